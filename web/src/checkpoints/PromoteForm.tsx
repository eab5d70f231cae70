import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { problemOf } from "../api/answers";
import type { Schemas } from "../api/client";
import { manifestListQuery } from "../library";
import { ASSET_TYPES, type AssetType } from "../manifest";
import { usePromoteMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";
import { counted } from "../ui/words";

/** Make a storyboard image (or a clip's frame) a reference asset of one of the caller's manifests. */
export function PromoteForm({ checkpointId, artifacts }: { checkpointId: string; artifacts: Schemas["ArtifactOut"][] }) {
  const { data: manifests = [] } = useQuery(manifestListQuery({ sort: "name", limit: 100 }));
  const [artifactKey, setArtifactKey] = useState(artifacts[0]?.artifact_key ?? "");
  const [chosen, setManifestId] = useState("");
  const manifestId = chosen || manifests[0]?.id || ""; // the first manifest until one is chosen
  const [name, setName] = useState("");
  const [assetType, setAssetType] = useState<AssetType>("CHARACTER");
  const promote = usePromoteMutation(checkpointId);
  const done = promote.data;

  function submit(event: FormEvent) {
    event.preventDefault();
    promote.mutate({ artifact_key: artifactKey, name, asset_type: assetType, ...(manifestId ? { manifest_id: manifestId } : {}) });
  }

  return (
    <form className="create" onSubmit={submit} aria-label="Make it a reference">
      <label>
        Frame of
        <select value={artifactKey} onChange={(e) => setArtifactKey(e.target.value)}>
          {artifacts.map((a) => (
            <option key={a.artifact_key} value={a.artifact_key}>
              {a.artifact_type === "beat_image" ? "beat" : "chunk"} {counted(a.artifact_key)}
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
      <ErrorNote message={problemOf(promote.error)} />
    </form>
  );
}
