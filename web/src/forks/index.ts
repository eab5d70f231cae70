// The fork feature's entry: a finished project's Fork panel.
export { ForkPanel } from "./ForkPanel";
