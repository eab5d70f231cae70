// The projects feature's entry: its pages, and a project's cast for the pages under it.
export { ProjectPage } from "./ProjectPage";
export { ProjectsPage } from "./ProjectsPage";
export { useContinueMutation, useProjectPeople } from "./queries";
