// One dropped file becomes one asset: judged first in the browser (a type the service takes, and
// bytes the browser can decode as an image), so a file that is plainly no photo is refused before
// any asset is made for it and uses no tag; then created, its bytes PUT straight to Cloud Storage
// with a signed URL, and checked by the upload trigger. A file the trigger refuses leaves nothing
// behind: its asset is deleted and the server's reason is what the creator reads.
import { api, type Schemas } from "../api/client";
import type { Rules } from "../api/config";
import { errorMessage } from "../api/errors";
import { inWords } from "../ui/words";

export type AssetType = Schemas["AssetType"];
export const ASSET_TYPES: AssetType[] = ["CHARACTER", "OBJECT", "ENVIRONMENT", "STYLE"];

/** "hero_portrait-2.final.JPG" -> "hero portrait 2.final" (at most 200 characters). */
export function assetNameFromFile(fileName: string): string {
  const stem = fileName.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ").replace(/\s+/g, " ").trim();
  return (stem || "Untitled").slice(0, 200);
}

/** The asset type a manifest's category suggests for its uploads, as the server says (its rules);
 * a category it names no type for (a newer server's) starts with the first type. */
export function defaultType(rules: Rules, category: Schemas["Category"]): AssetType {
  return rules.category_asset_types[category] ?? ASSET_TYPES[0];
}

export type UploadState =
  | { phase: "uploading"; fraction: number }
  | { phase: "checking" }
  | { phase: "done"; assetId: string }
  | { phase: "refused"; reason: string };

class Refused extends Error {}

function put(url: string, headers: Record<string, string>, file: File, onProgress: (f: number) => void) {
  return new Promise<void>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    Object.entries(headers).forEach(([k, v]) => request.setRequestHeader(k, v));
    request.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    request.onload = () =>
      request.status < 300 ? resolve() : reject(new Refused(`Cloud Storage refused the upload (HTTP ${request.status}).`));
    request.onerror = () => reject(new Refused("The upload could not reach Cloud Storage."));
    request.send(file);
  });
}

async function attached(assetId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { data } = await api.GET("/api/assets/{asset_id}", { params: { path: { asset_id: assetId } } });
    if (data?.upload_error) throw new Refused(data.upload_error.message);
    if (data?.reference_image_url) return;
    await new Promise((r) => setTimeout(r, 400));
  }
  throw new Refused("The upload was not confirmed in time; reload to see whether it arrived.");
}

/** Why the service would refuse this file as a photo, judged in the browser (`types`: the images
 * the service takes, its rules); null when it may go. A browser without createImageBitmap leaves
 * the bytes to the server. */
export async function refusedHere(file: File, types: Rules["image_types"]): Promise<string | null> {
  const names = inWords(types.map((t) => t.name));
  const notAPhoto = `this file is not a photo (${names})`;
  if (!types.some((t) => t.content_type === file.type)) return notAPhoto;
  if (typeof createImageBitmap !== "function") return null;
  try {
    (await createImageBitmap(file)).close();
    return null;
  } catch {
    return notAPhoto;
  }
}

export async function uploadAsAsset(
  manifestId: string,
  file: File,
  assetType: AssetType,
  report: (state: UploadState) => void,
  types: Rules["image_types"],
): Promise<void> {
  const refused = await refusedHere(file, types);
  if (refused) return report({ phase: "refused", reason: refused });
  report({ phase: "uploading", fraction: 0 });
  const created = await api.POST("/api/manifests/{manifest_id}/assets", {
    params: { path: { manifest_id: manifestId } },
    body: { name: assetNameFromFile(file.name), asset_type: assetType },
  });
  if (!created.data) return report({ phase: "refused", reason: errorMessage(created.error, created.response.status) });
  const assetId = created.data.id;
  try {
    const signed = await api.POST("/api/assets/{asset_id}/upload-url", {
      params: { path: { asset_id: assetId } },
      body: { content_type: file.type as Schemas["UploadUrlRequest"]["content_type"], filename: file.name.slice(0, 200) },
    });
    if (!signed.data) throw new Refused(errorMessage(signed.error, signed.response.status));
    await put(signed.data.upload_url, signed.data.headers, file, (fraction) => report({ phase: "uploading", fraction }));
    report({ phase: "checking" });
    await attached(assetId, 30_000);
    report({ phase: "done", assetId });
  } catch (e) {
    await api.DELETE("/api/assets/{asset_id}", { params: { path: { asset_id: assetId } } });
    report({ phase: "refused", reason: e instanceof Error ? e.message : String(e) });
  }
}

/** `work` on each item, at most `parallel` at a time, started in the list's order. */
export async function inParallel<T>(items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await work(next);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
}
