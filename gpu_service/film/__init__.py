"""A project's film after its storyboard: the keyframes and clips phases, one task per scene, and the cut."""
