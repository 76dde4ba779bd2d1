"""The lane's Textual screens: the only package that imports textual."""

import os

# A scan should be on screen within a frame (16 ms). Textual draws at most MAX_FPS frames a second
# (read once, when textual is first imported), and after a frame its update timer may hold the next
# one for up to two frame periods: at its default of 60 a scan's line could wait 33 ms behind the
# frame that drew the digits. Frames are drawn only when something changed and nothing in the lane
# animates, so a high cap costs nothing while idle; keys arriving together are drawn once (see
# ScanEntry), and the line of a scan is drawn as soon as it is committed.
os.environ.setdefault("TEXTUAL_FPS", "1000")
