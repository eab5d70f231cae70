// A manifest's reads: its detail (assets, cast) and its run's progress, which is polled while the
// run goes on; the detail is read again once, when the run ends, not polled beside it. And its
// writes, each a mutation hook that reads again what it changed.
import { type QueryClient, queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { must } from "../api/answers";
import { api, type Schemas } from "../api/client";
import type { Rules } from "../api/config";
import { keys } from "../api/keys";
import { multipart } from "../api/multipart";
import { type AssetType, type UploadState, inParallel, uploadAsAsset } from "./upload";

export const PROGRESS_POLL_MS = 1500;

export function manifestQuery(manifestId: string) {
  return queryOptions({
    queryKey: keys.manifest(manifestId),
    queryFn: ({ signal }) => must(api.GET("/api/manifests/{manifest_id}", { params: { path: { manifest_id: manifestId } }, signal })),
  });
}

export function progressQuery(manifestId: string) {
  const key = keys.progress(manifestId);
  return queryOptions({
    queryKey: key,
    queryFn: async ({ signal, client }) => {
      const before = client.getQueryData<Schemas["ProgressOut"]>(key)?.status;
      const now = await must(api.GET("/api/manifests/{manifest_id}/progress", { params: { path: { manifest_id: manifestId } }, signal }));
      if (before === "PROCESSING" && now.status !== "PROCESSING") void runEnded(client, manifestId);
      return now;
    },
    refetchInterval: (query) => (query.state.data?.status === "PROCESSING" ? PROGRESS_POLL_MS : false),
  });
}

/** What a run's end changed: the manifest (its assets, cast, status), the library's cards, and a
 * fork's project (its snapshot is written then). Only what is on screen is read again. */
function runEnded(client: QueryClient, manifestId: string) {
  return Promise.all([
    client.invalidateQueries({ queryKey: keys.manifest(manifestId), exact: true }),
    client.invalidateQueries({ queryKey: keys.manifests }),
    client.invalidateQueries({ queryKey: ["project"] }),
  ]);
}

/** A run's status where the processing panel already polls it: no timer of its own. */
export function useRunStatus(manifestId: string | null | undefined) {
  return useQuery({
    ...progressQuery(manifestId ?? ""),
    enabled: Boolean(manifestId),
    refetchInterval: false,
    select: (progress) => progress.status,
  }).data;
}

/** After a write to a manifest or one of its assets: it, its progress and the lists showing it. */
export function useManifestChanged() {
  const client = useQueryClient();
  return (manifestId: string) =>
    Promise.all([
      client.invalidateQueries({ queryKey: keys.manifest(manifestId) }),
      client.invalidateQueries({ queryKey: keys.manifests }),
    ]);
}

/** Start (or restart) a run: started or refused, the manifest and its progress are read again (its
 * status, the run's steps). */
export function useProcessMutation(manifestId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => must(api.POST("/api/manifests/{manifest_id}/process", { params: { path: { manifest_id: manifestId } } })),
    onSettled: () => client.invalidateQueries({ queryKey: keys.manifest(manifestId) }),
  });
}

type Asset = Pick<Schemas["AssetOut"], "id" | "manifest_id">;
const assetPath = (asset: Asset) => ({ params: { path: { asset_id: asset.id } } });

/** An asset's edits (or "same person as"): it counts as done once the registry shows it, so the
 * manifest is read again before the save settles. */
export function useAssetUpdateMutation(asset: Asset) {
  const changed = useManifestChanged();
  return useMutation({
    mutationFn: (body: Schemas["AssetUpdate"]) => must(api.PUT("/api/assets/{asset_id}", { ...assetPath(asset), body })),
    onSettled: () => changed(asset.manifest_id),
  });
}

/** An asset run through the engine again: the registry shows it as the run goes. */
export function useReprocessAssetMutation(asset: Asset) {
  const changed = useManifestChanged();
  return useMutation({
    mutationFn: () => must(api.POST("/api/assets/{asset_id}/reprocess", assetPath(asset))),
    onSettled: () => changed(asset.manifest_id),
  });
}

export function useDeleteAssetMutation(asset: Asset) {
  const changed = useManifestChanged();
  return useMutation({
    mutationFn: () => must(api.DELETE("/api/assets/{asset_id}", assetPath(asset))),
    onSettled: () => changed(asset.manifest_id),
  });
}

type View = Schemas["AssetViewOut"]["view"];

/** Another angle of an asset; added or refused, the card shows the server's views next. */
export function useAddViewMutation(asset: Asset) {
  const changed = useManifestChanged();
  return useMutation({
    mutationFn: ({ view, file }: { view: View; file: File }) =>
      must(
        api.POST("/api/assets/{asset_id}/views", {
          params: { path: { asset_id: asset.id }, query: { view } },
          ...multipart<{ file: string }>({ file }),
        }),
      ),
    onSettled: () => changed(asset.manifest_id),
  });
}

export function useRemoveViewMutation(asset: Asset) {
  const changed = useManifestChanged();
  return useMutation({
    mutationFn: (viewId: string) => must(api.DELETE("/api/assets/{asset_id}/views/{view_id}", { params: { path: { asset_id: asset.id, view_id: viewId } } })),
    onSettled: () => changed(asset.manifest_id),
  });
}

export const UPLOADS_AT_ONCE = 3;

export interface UploadBatch {
  files: { key: string; file: File }[];
  assetType: AssetType;
  types: Rules["image_types"]; // the images the service takes: a file of another kind is refused before any write
  report: (key: string, state: UploadState) => void; // each file's state as it goes
}

/** Photos dropped at once, each made an asset (upload.ts), three at a time. A batch is one write as
 * far as the cache goes: the manifest is read again once it is all in. */
export function useUploadMutation(manifestId: string) {
  const changed = useManifestChanged();
  return useMutation({
    mutationFn: ({ files, assetType, types, report }: UploadBatch) =>
      inParallel(files, UPLOADS_AT_ONCE, ({ key, file }) => uploadAsAsset(manifestId, file, assetType, (state) => report(key, state), types)),
    onSettled: () => changed(manifestId),
  });
}
