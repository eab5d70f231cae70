import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useNavigate } from "react-router";
import { must, problemOf } from "../api/answers";
import { api, type Schemas } from "../api/client";
import { acceptedImages, useRules } from "../api/config";
import { keys } from "../api/keys";
import { ASSET_TYPES, type AssetType, assetNameFromFile } from "../manifest/upload";
import { type AssetMode, type ForkDraft, base64Of, forkRequest, previewSentence } from "./forkRequest";
import { forkPreviewQuery } from "./preview";
import { ErrorNote } from "../ui/ErrorNote";
import { Choice } from "../ui/Choice";

type Project = Schemas["ProjectDetail"];
type Snapshot = Schemas["SnapshotOut"];

function initialDraft(project: Project, snapshot: Snapshot | null): ForkDraft {
  return {
    prompt: project.prompt,
    style: project.style ?? "",
    clearKeyframes: false,
    scenes: Object.fromEntries(project.scenes.map((s) => [s.index, { text: s.storyboard_text ?? "", deleted: false }])),
    assets: Object.fromEntries(
      (snapshot?.assets ?? []).map((a) => [a.id, { mode: "lock" as AssetMode, name: a.name, reversePrompt: a.reverse_prompt ?? "", newViews: [], removedViewIds: [] }]),
    ),
    uploads: [],
  };
}

/** Fork a finished project (EditForkPanel): what changes, and before submitting what the fork will
 * redo (the server computes it exactly as the fork will). The draft starts from the project and its
 * snapshot as this panel is made: its parent keys it by them, so a new read starts it again. */
export function ForkPanel({ project, snapshot }: { project: Project; snapshot: Snapshot | null }) {
  const [draft, setDraft] = useState<ForkDraft>(() => initialDraft(project, snapshot));
  const [uploadType, setUploadType] = useState<AssetType>("CHARACTER");
  const accept = acceptedImages(useRules());
  const navigate = useNavigate();
  const client = useQueryClient();
  const parent = useMemo(
    () => ({ prompt: project.prompt, style: project.style, scenes: project.scenes, assets: snapshot?.assets ?? [] }),
    [project, snapshot],
  );
  const body = useMemo(() => forkRequest(parent, draft), [parent, draft]);
  const projectId = project.project_id;
  const { data: preview, error: previewError } = useQuery(forkPreviewQuery(projectId, body));
  const fork = useMutation({
    mutationFn: () => must(api.POST("/api/projects/{project_id}/fork", { params: { path: { project_id: projectId } }, body })),
    onSuccess: (made) => {
      void client.invalidateQueries({ queryKey: keys.projects }); // the fork is a new project
      navigate(`/projects/${made.project_id}`);
    },
  });
  const problem = problemOf(fork.error) ?? problemOf(previewError);

  const setAsset = (id: string, patch: Partial<ForkDraft["assets"][string]>) =>
    setDraft((d) => ({ ...d, assets: { ...d.assets, [id]: { ...d.assets[id], ...patch } } }));
  const setScene = (index: number, patch: Partial<ForkDraft["scenes"][number]>) =>
    setDraft((d) => ({ ...d, scenes: { ...d.scenes, [index]: { ...d.scenes[index], ...patch } } }));

  async function addUploads(files: File[]) {
    const uploads = await Promise.all(
      files.map(async (f) => ({ image_data: await base64Of(f), name: assetNameFromFile(f.name), asset_type: uploadType })),
    );
    setDraft((d) => ({ ...d, uploads: [...d.uploads, ...uploads] }));
  }

  return (
    <section aria-label="Fork" className="fork">
      <h2>Fork this project</h2>
      <div className="create">
        <label className="wide">
          Prompt
          <textarea rows={2} value={draft.prompt} onChange={(e) => setDraft({ ...draft, prompt: e.target.value })} />
        </label>
        <label>
          Style
          <input value={draft.style} onChange={(e) => setDraft({ ...draft, style: e.target.value })} />
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.clearKeyframes} onChange={(e) => setDraft({ ...draft, clearKeyframes: e.target.checked })} /> Clear
          keyframes
        </label>
      </div>
      <h3>Scenes</h3>
      {project.scenes.map((s) => (
        <div key={s.index} className="fork-scene">
          <label>
            Scene {s.index} storyboard
            <textarea rows={2} value={draft.scenes[s.index]?.text ?? ""} onChange={(e) => setScene(s.index, { text: e.target.value })} />
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.scenes[s.index]?.deleted ?? false} onChange={(e) => setScene(s.index, { deleted: e.target.checked })} /> Delete
            scene {s.index}
          </label>
        </div>
      ))}
      {snapshot && (
        <>
          <h3>Assets</h3>
          <ul className="fork-assets">
            {snapshot.assets.map((a) => {
              const d = draft.assets[a.id];
              if (!d) return null;
              return (
                <li key={a.id} aria-label={`${a.manifest_tag} ${a.name}`}>
                  {a.thumbnail_url && <img src={a.thumbnail_url} alt="" />}
                  <strong>{a.manifest_tag}</strong> {a.name}
                  <span role="radiogroup" aria-label={`What happens to ${a.manifest_tag}`}>
                    {(["lock", "edit", "remove"] as AssetMode[]).map((m) => (
                      <label key={m} className="check">
                        <input type="radio" name={`mode-${a.id}`} checked={d.mode === m} onChange={() => setAsset(a.id, { mode: m })} /> {m}
                      </label>
                    ))}
                  </span>
                  {d.mode === "edit" && (
                    <div className="fork-edit">
                      <label>
                        Name
                        <input value={d.name} onChange={(e) => setAsset(a.id, { name: e.target.value })} />
                      </label>
                      <label>
                        Reverse prompt
                        <textarea rows={2} value={d.reversePrompt} onChange={(e) => setAsset(a.id, { reversePrompt: e.target.value })} />
                      </label>
                      <label className="pick">
                        New reference image
                        <input
                          type="file"
                          accept={accept}
                          onChange={async (e) => e.target.files?.[0] && setAsset(a.id, { referenceImage: await base64Of(e.target.files[0]) })}
                        />
                      </label>
                      {(a.views ?? []).map((v) => (
                        <label key={v.id} className="check">
                          <input
                            type="checkbox"
                            checked={d.removedViewIds.includes(v.id)}
                            onChange={(e) =>
                              setAsset(a.id, {
                                removedViewIds: e.target.checked ? [...d.removedViewIds, v.id] : d.removedViewIds.filter((id) => id !== v.id),
                              })
                            }
                          />{" "}
                          Remove the {v.view} view
                        </label>
                      ))}
                      <label className="pick">
                        Add a view
                        <input
                          type="file"
                          accept={accept}
                          onChange={async (e) =>
                            e.target.files?.[0] &&
                            setAsset(a.id, { newViews: [...d.newViews, { view: "other", image_data: await base64Of(e.target.files[0]) }] })
                          }
                        />
                      </label>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
          <div className="add-view">
            <Choice label="Type of new uploads" value={uploadType} options={ASSET_TYPES} onChange={setUploadType} />
            <label className="pick">
              New uploads
              <input type="file" multiple accept={accept} onChange={(e) => void addUploads([...(e.target.files ?? [])])} />
            </label>
            {draft.uploads.length > 0 && <span>{draft.uploads.map((u) => u.name).join(", ")}</span>}
          </div>
        </>
      )}
      <p aria-live="polite" data-testid="fork-preview" className="preview">
        {preview && previewSentence(preview)}
      </p>
      <ErrorNote message={problem} />
      <button type="button" onClick={() => fork.mutate()} disabled={fork.isPending}>
        Fork
      </button>
    </section>
  );
}
