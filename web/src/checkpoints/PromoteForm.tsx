import { type FormEvent, useEffect, useState } from "react";
import { Link } from "react-router";
import { api, type Manifest, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { ASSET_TYPES, type AssetType } from "../manifest/upload";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";

/** Make a storyboard image (or a clip's frame) a reference asset of one of the caller's manifests. */
export function PromoteForm({ checkpointId, artifacts }: { checkpointId: string; artifacts: Schemas["ArtifactOut"][] }) {
  const [manifests, setManifests] = useState<Manifest[]>([]);
  const [artifactKey, setArtifactKey] = useState(artifacts[0]?.artifact_key ?? "");
  const [manifestId, setManifestId] = useState("");
  const [name, setName] = useState("");
  const [assetType, setAssetType] = useState<AssetType>("CHARACTER");
  const [done, setDone] = useState<Schemas["AssetOut"] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    void api.GET("/api/manifests", { params: { query: { sort: "name", limit: 100 } } }).then(({ data }) => {
      setManifests(data ?? []);
      setManifestId((current) => current || data?.[0]?.id || "");
    });
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { data, error, response } = await api.POST("/api/checkpoints/{checkpoint_id}/promote", {
      params: { path: { checkpoint_id: checkpointId } },
      body: { artifact_key: artifactKey, name, asset_type: assetType, ...(manifestId ? { manifest_id: manifestId } : {}) },
    });
    setDone(data ?? null);
    setProblem(data ? null : errorMessage(error, response.status));
  }

  return (
    <form className="create" onSubmit={submit} aria-label="Make it a reference">
      <label>
        Frame of
        <select value={artifactKey} onChange={(e) => setArtifactKey(e.target.value)}>
          {artifacts.map((a) => (
            <option key={a.artifact_key} value={a.artifact_key}>
              {a.artifact_type === "beat_image" ? "beat" : "chunk"} {a.artifact_key}
            </option>
          ))}
        </select>
      </label>
      <label>
        Into manifest
        <select value={manifestId} onChange={(e) => setManifestId(e.target.value)}>
          {manifests.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Asset name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </label>
      <Choice label="Type" value={assetType} options={ASSET_TYPES} onChange={setAssetType} />
      <button type="submit">Make it a reference</button>
      {done && (
        <p className="ok" aria-live="polite">
          Added as {done.manifest_tag} to <Link to={`/manifests/${done.manifest_id}`}>its manifest</Link>, processed at once.
        </p>
      )}
      <ErrorNote message={problem} />
    </form>
  );
}
