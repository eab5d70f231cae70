import { useCallback } from "react";
import { Link, useParams } from "react-router";
import { api, type Schemas } from "../api/client";
import { errorMessage } from "../api/errors";
import { CastSection } from "./CastSection";
import { ProcessingPanel } from "./ProcessingPanel";
import { RegistryList } from "./RegistryList";
import { Uploader } from "./Uploader";
import { useServer } from "./useServer";
import { Loading, Unavailable } from "../ui/PageStates";

type Detail = Schemas["ManifestDetail"];

export function ManifestPage() {
  const { manifestId = "" } = useParams();
  const read = useCallback(async () => {
    const { data, error, response } = await api.GET("/api/manifests/{manifest_id}", {
      params: { path: { manifest_id: manifestId } },
    });
    return data ? { data } : { message: errorMessage(error, response.status) };
  }, [manifestId]);
  const { data: manifest, error, reload } = useServer<Detail>(read, (m) => m.status === "PROCESSING", 2500);
  const refresh = useCallback(() => void reload(), [reload]);

  if (error && !manifest) return <Unavailable message={error} back={{ to: "/", label: "Back to the library" }} />;
  if (!manifest) return <Loading />;
  const byId = new Map(manifest.assets.map((a) => [a.id, a]));
  return (
    <main>
      <p>
        <Link to="/">← Library</Link>
      </p>
      <h1>{manifest.name}</h1>
      <p className="meta">
        {manifest.category} · <span className={`status ${manifest.status}`}>{manifest.status}</span> · version {manifest.version} ·{" "}
        {manifest.asset_count} assets
        {manifest.contact_sheet_url && (
          <>
            {" "}
            · <a href={manifest.contact_sheet_url} target="_blank" rel="noreferrer" download>
              Contact sheet
            </a>
          </>
        )}
      </p>
      <Uploader manifestId={manifest.id} category={manifest.category} onUploaded={refresh} />
      <ProcessingPanel manifestId={manifest.id} onFinished={refresh} />
      <CastSection cast={manifest.cast ?? []} assets={byId} />
      <RegistryList assets={manifest.assets} onChanged={refresh} />
    </main>
  );
}
