// The repair feature's entry: an artifact's Repair button and its attempts.
export { RepairControl } from "./RepairControl";
