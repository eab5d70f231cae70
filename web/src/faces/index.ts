// The face search feature's entry: its page.
export { FaceSearchPage } from "./FaceSearchPage";
