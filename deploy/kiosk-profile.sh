# ~pos/.profile for the getty-autologin alternative (deploy/getty-autologin.conf).
# Only the console on tty1 becomes the lane; an SSH login as pos gets an ordinary shell.
if [ "$(tty)" = /dev/tty1 ]; then
    export TERM=linux LANG=C.UTF-8 POS_TUI_CONFIG=/etc/pos-tui/config.toml
    cd /var/lib/pos-tui || exit 1
    # exec: when the lane ends, so does the login, and getty logs in again (a restart).
    exec /opt/pos-tui/bin/pos-tui run --kiosk
fi
