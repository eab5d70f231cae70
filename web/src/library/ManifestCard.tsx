import { Link } from "react-router";
import { ApiError, problemOf } from "../api/answers";
import type { Manifest } from "../api/client";
import { deleteRefusal } from "../api/errors";
import { useDeleteManifestMutation, useDuplicateManifestMutation } from "./queries";
import { ErrorNote } from "../ui/ErrorNote";
import { MANIFEST_STATUS } from "../ui/words";

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleDateString() : "never");

/** Why a write failed, and for a refused delete what that means for the projects using it. */
function refusal(error: unknown): string | null {
  return error instanceof ApiError ? deleteRefusal(error.body, error.status) : problemOf(error);
}

export function ManifestCard({ manifest }: { manifest: Manifest }) {
  const duplicate = useDuplicateManifestMutation(manifest.id);
  const remove = useDeleteManifestMutation(manifest.id);
  const busy = duplicate.isPending || remove.isPending;
  const problem = problemOf(duplicate.error) ?? refusal(remove.error);

  function confirmRemove() {
    if (window.confirm(`Delete “${manifest.name}”? Projects that already use it keep their snapshot.`)) remove.mutate();
  }

  return (
    <article className="card" aria-labelledby={`m-${manifest.id}`}>
      {manifest.contact_sheet_url ? (
        <img className="thumb" src={manifest.contact_sheet_url} alt={`Contact sheet of ${manifest.name}`} />
      ) : (
        <div className="thumb empty" aria-hidden="true">
          {manifest.name.slice(0, 1).toUpperCase()}
        </div>
      )}
      <h3 id={`m-${manifest.id}`}>
        <Link to={`/manifests/${manifest.id}`}>{manifest.name}</Link>
      </h3>
      <p className="meta">
        <span>{manifest.category}</span> · <span className={`status ${manifest.status}`}>{MANIFEST_STATUS[manifest.status ?? "DRAFT"] ?? manifest.status}</span>
      </p>
      <dl className="counts">
        <dt>Assets</dt>
        <dd>{manifest.asset_count}</dd>
        <dt>Used</dt>
        <dd>{manifest.times_used}×</dd>
        <dt>Last used</dt>
        <dd>{when(manifest.last_used_at)}</dd>
      </dl>
      <div className="actions">
        <button type="button" onClick={() => duplicate.mutate()} disabled={busy}>
          Duplicate
        </button>
        <button type="button" className="danger" onClick={confirmRemove} disabled={busy}>
          Delete
        </button>
      </div>
      <ErrorNote message={problem} />
    </article>
  );
}
