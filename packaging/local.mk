# packaging/: systemd units, sysusers and tmpfiles for a host install.
systemdunitdir = $(prefix)/lib/systemd/system
dist_systemdunit_DATA = packaging/iamd.service packaging/iamd.socket
# iam-keyd, the key holder (docs/keyd.md)
dist_systemdunit_DATA += packaging/iam-keyd.service packaging/iam-keyd.socket
sysusersdir = $(prefix)/lib/sysusers.d
dist_sysusers_DATA = packaging/iamd.sysusers.conf
tmpfilesdir = $(prefix)/lib/tmpfiles.d
dist_tmpfiles_DATA = packaging/iamd.tmpfiles.conf
# host roles: a sample service with an iamd host role (docs/host-roles.md)
EXTRA_DIST += packaging/examples/sample-app.service packaging/examples/sample-app.aws-config
# iam-gateway, the AWS Query API on loopback (docs/gateway.md)
dist_systemdunit_DATA += packaging/iam-gateway.service
