"""The content library (素材, SPEC 22): share texts and images HQ writes for guides to share."""
