#!/bin/bash
# customise.sh — runs INSIDE the freshly debootstrapped rootfs (scripts/testbed build starts it
# with a plain, non-booting systemd-nspawn that shares the host's network), as root.
#   usage: customise.sh SUITE MIRROR PACKAGE...
# testbed/ is bind-mounted read-only at /mnt/testbed-src.
# Its content is part of the cache key: editing it rebuilds the rootfs tarball.
set -euo pipefail
SUITE=$1 MIRROR=$2; shift 2
SRC=/mnt/testbed-src
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 SYSTEMD_OFFLINE=1
log() { printf '[customise] %s\n' "$*"; }

# --- identity: MariaDB (and others) need localhost in /etc/hosts
echo testbed >/etc/hostname
cat >/etc/hosts <<'HOSTS'
127.0.0.1	localhost
127.0.1.1	testbed
::1	localhost ip6-localhost ip6-loopback
HOSTS

# --- no daemon may start during package installation
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d

# --- packages (with the bookworm-updates and -security suites, like a real Debian host)
sec=${MIRROR%/debian}/debian-security
cat >/etc/apt/sources.list <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $sec $SUITE-security main
SOURCES
log "apt-get install $*"
apt-get update -qq
apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "$@"

# --- MariaDB: the data directory must exist (the postinst may have skipped it)
if [ ! -d /var/lib/mysql/mysql ]; then
    log "mariadb-install-db"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db \
        --auth-root-authentication-method=socket >/var/tmp/mariadb-install-db.log 2>&1 \
        || { cat /var/tmp/mariadb-install-db.log; exit 1; }
    rm -f /var/tmp/mariadb-install-db.log
else
    log "mariadb datadir already initialised by the postinst"
fi

# --- PostgreSQL: one cluster, VERSION/main (15 in bookworm, 17 in trixie; the postinst
# normally creates it)
PGV=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$PGV" '$1 == v && $2 == "main" { f = 1 } END { exit !f }'; then
    log "pg_createcluster $PGV main"
    pg_createcluster "$PGV" main
else
    log "postgresql cluster $PGV/main already created by the postinst"
fi

# --- OpenSSH: host keys (the postinst normally generates them; -A fills any gap)
ssh-keygen -A

# --- pyapp: system user, code, state dir, unit
getent passwd pyapp >/dev/null || useradd --system --user-group --home-dir /var/lib/pyapp \
    --no-create-home --shell /usr/sbin/nologin pyapp
install -d -m 755 /opt/pyapp
install -m 644 "$SRC/app/app.py" /opt/pyapp/app.py
install -d -o pyapp -g pyapp -m 750 /var/lib/pyapp
install -m 644 "$SRC/app/pyapp.service" /etc/systemd/system/pyapp.service
systemctl enable pyapp.service

# --- nodeapp: a Node.js service with DynamicUser= (learn's unprofiled daemons)
install -d -m 755 /opt/nodeapp
install -m 644 "$SRC/nodeapp/app.js" /opt/nodeapp/app.js
install -m 644 "$SRC/nodeapp/nodeapp.service" /etc/systemd/system/nodeapp.service
systemctl enable nodeapp.service

# --- haproxy: one frontend on 127.0.0.1:8080 in front of nginx
cat >>/etc/haproxy/haproxy.cfg <<'HAPROXY'

frontend web
	bind 127.0.0.1:8080
	default_backend nginx

backend nginx
	server local 127.0.0.1:80
HAPROXY

# --- every daemon enabled at boot (fail the build otherwise)
for u in nginx.service redis-server.service postgresql.service mariadb.service \
         memcached.service ssh.service pyapp.service unbound.service exim4.service \
         haproxy.service rsyslog.service nodeapp.service; do
    st=$(systemctl is-enabled "$u" 2>/dev/null || true)
    if [ "$st" != enabled ]; then
        log "enabling $u (was '$st')"; systemctl enable "$u"
    fi
done

# --- nothing periodic or interactive that could perturb tests
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
         e2scrub_reap.service fstrim.timer logrotate.timer man-db.timer \
         console-getty.service getty@tty1.service systemd-timesyncd.service; do
    ln -sf /dev/null "/etc/systemd/system/$u"
done

# --- trim
rm -f /usr/sbin/policy-rc.d
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
       /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/* \
       /var/log/apt/* /var/log/dpkg.log /var/log/alternatives.log /var/log/bootstrap.log
: >/etc/resolv.conf
log "done"
