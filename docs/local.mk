# docs/: how to run, configure and operate iamd; man pages.
EXTRA_DIST += docs/README.md
EXTRA_DIST += docs/development.md
EXTRA_DIST += docs/entities.md
