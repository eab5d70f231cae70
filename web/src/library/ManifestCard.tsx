import { useState } from "react";
import { Link } from "react-router";
import { api, type Manifest } from "../api/client";
import { deleteRefusal, errorMessage } from "../api/errors";
import { ErrorNote } from "../ui/ErrorNote";

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleDateString() : "never");

export function ManifestCard({ manifest, onChanged }: { manifest: Manifest; onChanged: () => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = { params: { path: { manifest_id: manifest.id } } };

  async function duplicate() {
    setBusy(true);
    const { error, response } = await api.POST("/api/manifests/{manifest_id}/duplicate", path);
    setBusy(false);
    if (!response.ok) return setProblem(errorMessage(error, response.status));
    onChanged();
  }

  async function remove() {
    if (!window.confirm(`Delete “${manifest.name}”? Projects that already use it keep their snapshot.`)) return;
    setBusy(true);
    const { error, response } = await api.DELETE("/api/manifests/{manifest_id}", path);
    setBusy(false);
    if (!response.ok) return setProblem(deleteRefusal(error, response.status));
    onChanged();
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
        <span>{manifest.category}</span> · <span className={`status ${manifest.status}`}>{manifest.status}</span>
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
        <button type="button" onClick={duplicate} disabled={busy}>
          Duplicate
        </button>
        <button type="button" className="danger" onClick={remove} disabled={busy}>
          Delete
        </button>
      </div>
      <ErrorNote message={problem} />
    </article>
  );
}
