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
import { counted } from "../ui/words";
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
    removedCharacters: [],
    uploads: [],
  };
}

type CharacterMode = "keep" | "edit" | "remove";

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
  const byId = useMemo(() => new Map((snapshot?.assets ?? []).map((a) => [a.id, a])), [snapshot]);
  const others = (snapshot?.assets ?? []).filter((a) => !a.character_id); // objects, places, styles
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
            Scene {counted(s.index)} storyboard
            <textarea rows={2} value={draft.scenes[s.index]?.text ?? ""} onChange={(e) => setScene(s.index, { text: e.target.value })} />
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.scenes[s.index]?.deleted ?? false} onChange={(e) => setScene(s.index, { deleted: e.target.checked })} /> Delete
            scene {counted(s.index)}
          </label>
        </div>
      ))}
      {snapshot && (
        <>
          <h3>Characters</h3>
          <ul className="fork-assets" aria-label="Characters">
            {(snapshot.cast ?? []).map((member) => {
              const own = snapshot.assets.find((a) => a.id === member.asset_ids?.find((id) => byId.get(id)?.manifest_tag === member.handle));
              const face = byId.get(member.best_reference_asset_id);
              if (!own) return null;
              const d = draft.assets[own.id];
              const mode: CharacterMode = draft.removedCharacters.includes(member.character_id) ? "remove" : d?.mode === "edit" ? "edit" : "keep";
              const choose = (m: CharacterMode) =>
                setDraft((current) => ({
                  ...current,
                  removedCharacters:
                    m === "remove"
                      ? [...new Set([...current.removedCharacters, member.character_id])]
                      : current.removedCharacters.filter((c) => c !== member.character_id),
                  assets: { ...current.assets, [own.id]: { ...current.assets[own.id], mode: m === "edit" ? "edit" : "lock" } },
                }));
              return (
                <li key={member.character_id} aria-label={`${member.handle} ${member.name}`}>
                  {face?.thumbnail_url && <img src={face.thumbnail_url} alt={member.name} />}
                  <strong>{member.handle}</strong> {member.name} <small>{member.asset_ids?.length ?? 0} images</small>
                  <span role="radiogroup" aria-label={`What happens to ${member.name}`}>
                    {(["keep", "edit", "remove"] as CharacterMode[]).map((m) => (
                      <label key={m} className="check">
                        <input type="radio" name={`character-${member.character_id}`} checked={mode === m} onChange={() => choose(m)} /> {m}
                      </label>
                    ))}
                  </span>
                  {mode === "remove" && <p className="note">Every image of {member.name} goes: uploads, crops and faces.</p>}
                  {mode === "edit" && d && <AssetEditor asset={own} draft={d} accept={accept} onChange={(patch) => setAsset(own.id, patch)} />}
                </li>
              );
            })}
          </ul>
          {others.length > 0 && <h3>Other assets</h3>}
          <ul className="fork-assets" aria-label="Other assets">
            {others.map((a) => {
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
                  {d.mode === "edit" && <AssetEditor asset={a} draft={d} accept={accept} onChange={(patch) => setAsset(a.id, patch)} />}
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

type AssetDraftOf = ForkDraft["assets"][string];

/** An inherited asset's edits in a fork: name, reverse prompt, a new reference image, its views. */
function AssetEditor({
  asset,
  draft,
  accept,
  onChange,
}: {
  asset: Snapshot["assets"][number];
  draft: AssetDraftOf;
  accept: string;
  onChange: (patch: Partial<AssetDraftOf>) => void;
}) {
  return (
    <div className="fork-edit">
      <label>
        Name
        <input value={draft.name} onChange={(e) => onChange({ name: e.target.value })} />
      </label>
      <label>
        Reverse prompt
        <textarea rows={2} value={draft.reversePrompt} onChange={(e) => onChange({ reversePrompt: e.target.value })} />
      </label>
      <label className="pick">
        New reference image
        <input
          type="file"
          accept={accept}
          onChange={async (e) => e.target.files?.[0] && onChange({ referenceImage: await base64Of(e.target.files[0]) })}
        />
      </label>
      {(asset.views ?? []).map((v) => (
        <label key={v.id} className="check">
          <input
            type="checkbox"
            checked={draft.removedViewIds.includes(v.id)}
            onChange={(e) =>
              onChange({
                removedViewIds: e.target.checked ? [...draft.removedViewIds, v.id] : draft.removedViewIds.filter((id) => id !== v.id),
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
            onChange({ newViews: [...draft.newViews, { view: "other", image_data: await base64Of(e.target.files[0]) }] })
          }
        />
      </label>
    </div>
  );
}
