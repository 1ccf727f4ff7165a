"""The synthetic demo world (labelled synthetic everywhere). No Qt."""
