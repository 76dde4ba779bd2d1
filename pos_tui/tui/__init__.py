"""The lane's Textual screens: the only package that imports textual."""

import os

# A scan should be on screen within 16 ms; Textual draws at most MAX_FPS frames a second (read once,
# when textual is first imported), and at its default of 60 the frame wait alone can take 16.7 ms.
# Frames are drawn only when something changed, so an idle lane costs nothing more.
os.environ.setdefault("TEXTUAL_FPS", "120")
