// The manifest feature's entry: what the other features use of it.
export { ManifestPage } from "./ManifestPage";
export { ProcessingPanel } from "./ProcessingPanel";
export { type Person, faceOf, peopleByHandle } from "./people";
export { manifestQuery, useManifestChanged, useRunStatus } from "./queries";
export { ASSET_TYPES, type AssetType, assetNameFromFile } from "./upload";
