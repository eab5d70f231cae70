import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { problemOf } from "../api/answers";
import { CastSection } from "./CastSection";
import { ProcessingPanel } from "./ProcessingPanel";
import { manifestQuery } from "./queries";
import { RegistryList } from "./RegistryList";
import { Uploader } from "./Uploader";
import { Loading, Unavailable } from "../ui/PageStates";

export function ManifestPage() {
  const { manifestId = "" } = useParams();
  const { data: manifest, error } = useQuery(manifestQuery(manifestId));

  if (error && !manifest) return <Unavailable message={problemOf(error) ?? ""} back={{ to: "/", label: "Back to the library" }} />;
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
      {/* A new manifest id (a link from face search) is a new uploader: its type follows that category. */}
      <Uploader key={manifest.id} manifestId={manifest.id} category={manifest.category} />
      <ProcessingPanel manifestId={manifest.id} />
      <CastSection cast={manifest.cast ?? []} assets={byId} />
      <RegistryList assets={manifest.assets} />
    </main>
  );
}
