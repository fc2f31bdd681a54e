# daemon/ops.mk: the operation handlers (IAMD_OPS_SOURCES += ...).
