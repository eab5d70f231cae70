// The library feature's entry: what the other features use of it.
export { LibraryPage } from "./LibraryPage";
export { manifestListQuery } from "./queries";
