// The continuity feature's entry: how a continuity report is shown, wherever it is shown.
export { ContinuityBadge } from "./ContinuityBadge";
export { FrameFaces } from "./FrameFaces";
export { PresenceStrip } from "./PresenceStrip";
