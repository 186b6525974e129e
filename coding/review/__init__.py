"""Review of coding by the team: discussions, the disagreement queue and its consensus layer,
blind double coding and coder calibration."""
