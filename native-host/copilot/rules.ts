/**
 * The state-change rule table. One row per (program, arguments) case; the first row whose
 * program matches and whose pattern matches the arguments decides, with its reason. A
 * program with no row, or no matching row, is unknown (`null`), never read-only.
 *
 * `args` is what follows the program, words joined by single spaces, quotes removed. For the
 * programs in SUBCOMMAND_PROGRAMS the leading global options (`kubectl -n ns`, `git -C dir`)
 * are dropped first, so the pattern starts at the subcommand.
 *
 * Wrappers (sudo, env, ssh host '…', bash -c, xargs, docker/kubectl exec…), compound
 * commands, pipes into writers and redirects are handled in classify.ts, not here.
 */

export type Verdict = boolean | null;

/** [program(s) separated by |, pattern on the arguments, changes state?, reason] */
export type Rule = readonly [program: string, args: RegExp, changesState: Verdict, reason: string];

const ANY = /^/;
const NONE = /^$/;

/** Leading options to drop before matching, with the ones that take a value. */
export const SUBCOMMAND_PROGRAMS: Record<string, string[]> = {
  git: ['-C', '-c', '--git-dir', '--work-tree', '--namespace'],
  kubectl: [
    '-n',
    '--namespace',
    '--context',
    '--kubeconfig',
    '--cluster',
    '--user',
    '-s',
    '--server',
  ],
  oc: ['-n', '--namespace', '--context', '--kubeconfig'],
  helm: ['-n', '--namespace', '--kube-context', '--kubeconfig'],
  docker: ['-H', '--host', '--context', '-c', '--config', '-l', '--log-level'],
  podman: ['--url', '--connection', '-c', '--root'],
  nerdctl: ['-n', '--namespace', '--address'],
  crictl: ['-r', '--runtime-endpoint', '-i', '--image-endpoint'],
  systemctl: ['-H', '--host', '-M', '--machine', '-p', '--property', '-t', '--type', '--state'],
  apt: ['-o', '-c', '-t'],
  'apt-get': ['-o', '-c', '-t'],
  yum: ['-c', '--enablerepo', '--disablerepo', '--setopt'],
  dnf: ['-c', '--enablerepo', '--disablerepo', '--setopt', '--repo'],
  zypper: ['-r', '--root'],
  snap: [],
  brew: [],
  npm: ['--prefix', '-w', '--workspace'],
  pip: [],
  pip3: [],
  ip: ['-n', '-netns', '-f', '-family'],
  nmcli: ['-f', '--fields', '-m', '--mode'],
  uci: ['-c', '-d'],
  opkg: ['-d', '-f', '-o'],
  virsh: ['-c', '--connect'],
  aws: ['--region', '--profile', '--output', '--endpoint-url'],
  gcloud: ['--project', '--format'],
  az: ['--subscription', '-o', '--output'],
  terraform: ['-chdir'],
  ansible: [],
  hostnamectl: ['-H', '--host'],
  timedatectl: ['-H', '--host'],
  loginctl: [],
};

const READ_TOOLS =
  'ls|ll|la|dir|vdir|cat|tac|less|more|most|head|tail|grep|egrep|fgrep|rg|ag|ack|zgrep|zcat|bzcat|' +
  'xzcat|wc|cut|tr|uniq|nl|fold|fmt|column|paste|join|comm|diff|cmp|colordiff|od|hexdump|xxd|' +
  'strings|file|stat|readlink|realpath|basename|dirname|pwd|whoami|id|groups|who|w|last|lastlog|' +
  'users|uname|hostid|arch|nproc|uptime|free|vmstat|iostat|mpstat|pidstat|sar|top|htop|atop|btop|' +
  'iotop|ps|pgrep|pstree|pidof|lsof|fuser|df|du|lsblk|blkid|findmnt|lscpu|lsmem|lsusb|lspci|lsmod|' +
  'modinfo|lshw|dmidecode|sensors|ss|netstat|ping|ping6|traceroute|tracepath|mtr|arp|dig|nslookup|' +
  'host|whois|getent|route|nstat|iwconfig|iw|which|whereis|type|man|info|apropos|echo|printf|' +
  'true|false|expr|seq|yes|sleep|wait|jobs|cal|bc|md5sum|sha1sum|sha256sum|sha512sum|b2sum|' +
  'cksum|base64|jq|yq|xmllint|tree|locale|printenv|tty|nc|ncat|telnet|curl|strace|ltrace|gdb|' +
  'iptables-save|ip6tables-save|atq|dpkg-query|apt-cache|pvs|vgs|lvs|lsattr|getfacl|namei';

/** Programs that open a shell or session elsewhere: entering it changes nothing by itself. */
const SESSION_OPENERS = 'ssh|mosh|telnet|screen|tmux|minicom|picocom|cu|su|sudo|bash|sh|zsh|fish';

// One rule per line keeps the table readable, so Prettier leaves it alone.
// prettier-ignore
export const RULES: readonly Rule[] = [
  // ── Shell session (affects only the shell itself) ─────────────────────────────────────
  ['cd|pushd|popd|alias|unalias|export|unset|shopt|umask|ulimit|history|exit|logout', ANY, false, 'changes only this shell session'],
  ['clear', NONE, false, 'clears the screen'],
  ['test|[', /^(?!cable|tdr)/, false, 'evaluates a condition'],
  ['set', /^$|^[-+]/, false, 'shell option: changes only this shell session'],
  ['source|.', ANY, null, 'runs a script: its commands are not known'],
  ['tput|stty', ANY, false, 'terminal setting only'],
  ['reset', NONE, null, 'resets the terminal on Linux, reboots on U-Boot'],
  [SESSION_OPENERS, NONE, false, 'opens a shell or session (what is done in it is judged line by line)'],
  ['ssh|mosh|telnet', /^[^\s]+$/, false, 'opens a remote session'],
  ['screen|tmux', /^(ls|list-\S+|attach|a|at|-r|-ls|-x)\b/, false, 'terminal multiplexer: lists or attaches'],
  ['minicom|picocom|cu', ANY, false, 'opens a serial console'],
  ['su', /^(-|-l|--login)?\s*[\w.-]*$/, false, 'opens a shell as another user'],
  ['sudo', /^(-i|-s|su\b|-l|-v|-k)/, false, 'sudo: opens a root shell, lists or validates'],

  // ── Reading (programs whose usual forms only read) ────────────────────────────────────
  ['sed', /(^|\s)(-i|--in-place)\S*/, true, 'sed -i edits the file in place'],
  ['sed|awk|gawk|perl', /(^|\s)-i\S*|inplace/, true, 'edits files in place'],
  ['sed|awk|gawk|mawk', ANY, false, 'filters text'],
  ['find', /(^|\s)-(delete|exec|execdir|ok|okdir|fprint\S*|fls)\b/, null, 'find -exec/-delete runs or deletes'],
  ['find|locate|mlocate|plocate', ANY, false, 'searches files'],
  ['sort', /(^|\s)(-o|--output)\b/, true, 'sort -o writes a file'],
  ['curl', /(^|\s)(-X\s*(POST|PUT|PATCH|DELETE)|--request\s+(POST|PUT|PATCH|DELETE)|-d|--data\S*|-F|--form|-T|--upload-file|-o|--output|-O|--remote-name)\b/i, true, 'curl sends data or writes a file'],
  ['curl|wget', /(^|\s)(-O\s*-|-qO-|-qO\s*-|--output-document=-|-O-)(\s|$)/, false, 'downloads to standard output'],
  ['wget', /(^|\s)--spider\b/, false, 'checks a URL without downloading'],
  ['wget|scp|rsync|sftp|ftp|rclone', ANY, true, 'copies files (writes them where they land)'],
  ['tcpdump|tshark', /(^|\s)-w\b/, true, 'writes a capture file'],
  ['journalctl', /--(vacuum-\S+|rotate|flush|sync|relinquish-var)\b/, true, 'journalctl: rotates or deletes journal files'],
  ['dmesg', /(^|\s)(-c|-C|--clear|--read-clear|-n|--console-level|-D|-E)\b/, true, 'dmesg: clears the ring buffer or sets the console level'],
  ['date', /(^|\s)(-s|--set)\b|^\d{4,}/, true, 'date: sets the system clock'],
  ['hostname', /^(?!-)\S+|(^|\s)(-b|--boot|-F|--file)\b/, true, 'hostname: sets the host name'],
  ['crontab', /(^|\s)-l\b/, false, 'crontab -l lists jobs'],
  ['crontab', ANY, true, 'crontab: replaces or edits the schedule'],
  ['mount', /^$|^-l$|^(-t\s+\S+\s*)?$/, false, 'mount without a device lists mounts'],
  ['mount|umount|swapon|swapoff', ANY, true, 'mounts or unmounts'],
  ['hostnamectl|timedatectl|localectl', /^(status)?$|^show\b|^list-\S+/, false, 'reads settings'],
  ['hostnamectl|timedatectl|localectl', ANY, true, 'changes a system setting'],
  ['loginctl|busctl|resolvectl', /^((list-\S+|show-\S+|session-status|user-status|seat-status|status|query|statistics|tree|introspect|monitor)\b|$)/, false, 'reads state'],
  ['ip', /^(-\S+\s+)*(a|addr|address|l|link|r|route|n|neigh|neighbour|rule|netns|maddr|-s)?(\s+(show|list|ls|get|s)\b.*)?$/, false, 'ip: shows addresses, links or routes'],
  ['ip', /^(-\S+\s+)*\S+\s+(show|list|ls|get)\b/, false, 'ip: shows'],
  ['ip', ANY, true, 'ip: changes addresses, links or routes'],
  ['ifconfig', /^(-a|-s)?$|^\S+$/, false, 'ifconfig: shows interfaces'],
  ['ifconfig', ANY, true, 'ifconfig: configures an interface'],
  ['nmcli', /^((general|g|networking|n|radio|r)\s*(status)?|(device|d|dev|connection|c|con)(\s+(show|status|s|list|wifi list)\b.*)?|monitor)$/, false, 'nmcli: shows'],
  ['nmcli', ANY, true, 'nmcli: changes network settings'],
  ['iptables|ip6tables', /(^|\s)(-L|--list|-S|--list-rules|-n|-v|--line-numbers|-t \S+)(\s|$)/, false, 'lists firewall rules'],
  ['iptables|ip6tables|iptables-restore|ip6tables-restore|ebtables|arptables', ANY, true, 'changes firewall rules'],
  ['iptables-save|ip6tables-save', ANY, false, 'prints firewall rules'],
  ['nft', /^(-\S+\s+)*(list|monitor|describe)\b/, false, 'nft: lists'],
  ['nft', ANY, true, 'nft: changes firewall rules'],
  ['ufw', /^(status|show|app list|app info)\b/, false, 'ufw: shows'],
  ['ufw', ANY, true, 'ufw: changes the firewall'],
  ['firewall-cmd', /^(--state|--list-\S+|--get-\S+|--query-\S+|--info-\S+)/, false, 'firewall-cmd: reads'],
  ['firewall-cmd', ANY, true, 'firewall-cmd: changes the firewall'],
  ['sysctl', /(^|\s)(-w|--write|-p|--load|--system)\b|=/, true, 'sysctl: sets kernel parameters'],
  ['sysctl', ANY, false, 'sysctl: reads kernel parameters'],
  ['openssl', /(^|\s)(-out|genrsa|genpkey|req\s.*-new|ca)\b/, true, 'openssl: writes keys or certificates'],
  ['openssl', ANY, false, 'openssl: inspects or connects'],
  ['vim|vi|nano|emacs|view|nvim|mcedit|joe|ed|sudoedit', /^$/, false, 'opens an editor with no file'],
  ['view', ANY, false, 'opens a file read-only'],
  ['vim|vi|nano|emacs|nvim|mcedit|joe|ed|sudoedit', ANY, null, 'opens a file in an editor: it may have been saved'],
  ['tar', /^-?\S*[tl]\S*(\s|$)|(^|\s)--list\b/, false, 'tar: lists an archive'],
  ['tar|zip|unzip|gzip|gunzip|bzip2|bunzip2|xz|unxz|zstd|7z|cpio', /(^|\s)-l\b|^l\b|(^|\s)-t\b|--test|--list/, false, 'lists or tests an archive'],
  ['tar|zip|unzip|gzip|gunzip|bzip2|bunzip2|xz|unxz|zstd|7z|cpio', ANY, true, 'creates or extracts an archive'],
  [READ_TOOLS, ANY, false, 'reads or prints only'],
  ['journalctl|dmesg|sort|date|hostname|tcpdump|tshark', ANY, false, 'reads or prints only'],

  // ── Files and system (Linux / Unix) ───────────────────────────────────────────────────
  ['cp|mv|rm|rmdir|mkdir|touch|ln|install|truncate|shred|rename|unlink|mktemp|mkfifo|mknod', ANY, true, 'creates, moves or deletes files'],
  ['chmod|chown|chgrp|chattr|setfacl|chcon|restorecon|setfattr', ANY, true, 'changes file permissions or attributes'],
  ['tee', /\S/, true, 'tee writes a file'],
  ['tee', ANY, false, 'tee with no file only passes text on'],
  ['dd', /(^|\s)of=(?!\/dev\/null\b)/, true, 'dd writes its output file or device'],
  ['dd', ANY, false, 'dd without of= writes to standard output'],
  ['fdisk|sfdisk|gdisk|sgdisk|parted', /(^|\s)(-l|--list|print)\b/, false, 'lists partitions'],
  ['fdisk|sfdisk|gdisk|sgdisk|parted|mkfs|mke2fs|mkswap|wipefs|fsck|e2fsck|tune2fs|resize2fs|xfs_repair|lvcreate|lvremove|lvextend|lvresize|vgcreate|vgextend|vgremove|pvcreate|pvremove|mdadm|cryptsetup|losetup|blkdiscard|hdparm|zpool|zfs', /(^|\s)(list|status|get|iostat|-l|--detail|-D|--examine|-E|-Q|--query)\b/, false, 'storage: lists or reports'],
  ['fdisk|sfdisk|gdisk|sgdisk|parted|mkfs|mke2fs|mkswap|wipefs|fsck|e2fsck|tune2fs|resize2fs|xfs_repair|lvcreate|lvremove|lvextend|lvresize|vgcreate|vgextend|vgremove|pvcreate|pvremove|mdadm|cryptsetup|losetup|blkdiscard|hdparm|zpool|zfs', ANY, true, 'changes disks, partitions or filesystems'],
  ['mkfs.ext4|mkfs.xfs|mkfs.vfat|mkfs.btrfs', ANY, true, 'creates a filesystem'],
  ['pvs|vgs|lvs|pvdisplay|vgdisplay|lvdisplay|smartctl|nvme|lsscsi|multipath', /(^|\s)(-[stT]|--test|format|delete|reset|-f\b)/, true, 'storage: runs a test or changes a device'],
  ['pvs|vgs|lvs|pvdisplay|vgdisplay|lvdisplay|smartctl|nvme|lsscsi|multipath', ANY, false, 'storage: reports'],
  ['kill|killall|pkill|skill|xkill', ANY, true, 'signals (stops) processes'],
  ['renice|ionice|taskset|chrt', /\d/, true, 'changes process priority or affinity'],
  ['shutdown|reboot|halt|poweroff|init|telinit', /^(-k)?$|--help/, null, 'power command with unclear effect'],
  ['shutdown|reboot|halt|poweroff|init|telinit', ANY, true, 'shuts down or restarts the machine'],
  ['reboot|halt|poweroff', NONE, true, 'restarts or stops the machine'],
  ['useradd|userdel|usermod|adduser|deluser|groupadd|groupdel|groupmod|addgroup|delgroup|passwd|chpasswd|chsh|chfn|chage|gpasswd|newusers|vipw|vigr|visudo', /^(-S|--status|-l)\b/, false, 'reads account status'],
  ['useradd|userdel|usermod|adduser|deluser|groupadd|groupdel|groupmod|addgroup|delgroup|passwd|chpasswd|chsh|chfn|chage|gpasswd|newusers|vipw|vigr|visudo', ANY, true, 'changes users, groups or passwords'],
  ['modprobe|insmod|rmmod|depmod', /(^|\s)(-n|--dry-run|--show-depends|-c|--showconfig)\b/, false, 'module tool: shows only'],
  ['efibootmgr', /^(-v)?$/, false, 'lists boot entries'],
  ['modprobe|insmod|rmmod|depmod|update-initramfs|dracut|grub-install|update-grub|grub2-mkconfig|efibootmgr', ANY, true, 'changes kernel modules or boot setup'],
  ['at|batch|systemd-run', ANY, true, 'schedules or starts a job'],
  ['atq', ANY, false, 'lists scheduled jobs'],
  ['atrm', ANY, true, 'removes scheduled jobs'],
  ['logger', ANY, true, 'writes to the system log'],
  ['update-alternatives|alternatives', /^--(display|list|query|get-selections)\b/, false, 'reads alternatives'],
  ['update-alternatives|alternatives|ldconfig|update-ca-certificates|locale-gen|timedatectl|chronyc|ntpdate|hwclock', /^(sources|tracking|sourcestats|activity|-r|--show|-q)\b/, false, 'reads time or library state'],
  ['update-alternatives|alternatives|ldconfig|update-ca-certificates|locale-gen|ntpdate|hwclock|chronyc', ANY, true, 'changes system configuration'],
  ['make|cmake|ninja|meson|gradle|mvn|cargo|go|rustc|gcc|g++|cc|clang|javac', /^(version|--version|-v|-V|help|--help|env|list)\b/, false, 'prints tool information'],
  ['ansible-playbook|ansible', /(^|\s)(--check|-C|--syntax-check|--list-\S+)(\s|$)/, false, 'dry run'],
  ['make|cmake|ninja|meson|gradle|mvn|cargo|go|rustc|gcc|g++|cc|clang|javac|ansible-playbook|ansible|terraform|pulumi', /^(plan|show|output|validate|fmt\s+-check|graph|state list|state show|providers|version|--check|--syntax-check|--list-\S+)\b/, false, 'plans or inspects without applying'],
  ['make|cmake|ninja|meson|gradle|mvn|cargo|go|rustc|gcc|g++|cc|clang|javac|ansible-playbook|ansible|terraform|pulumi', ANY, true, 'builds, deploys or applies'],
  ['python|python3|node|ruby|perl|php|lua|java|deno|bun|Rscript|pwsh|powershell', /^(-V|--version|-v|--help|-h)$/, false, 'prints the version'],
  ['python|python3|node|ruby|perl|php|lua|java|deno|bun|Rscript|pwsh|powershell|bash|sh|zsh|ksh|dash|fish|csh|tcsh', ANY, null, 'runs a program or script: its effect is not known'],

  // ── systemd and init ─────────────────────────────────────────────────────────────────
  ['systemctl', /^((status|show|cat|list-\S+|is-active|is-enabled|is-failed|is-system-running|help|get-default|show-environment)\b|$|--)/, false, 'systemctl: reads unit state'],
  ['systemctl', /^(start|stop|restart|reload|try-restart|reload-or-restart|try-reload-or-restart|condrestart|enable|disable|reenable|mask|unmask|kill|reset-failed|daemon-reload|daemon-reexec|edit|set-property|set-default|isolate|link|revert|preset|preset-all|reboot|poweroff|halt|suspend|hibernate|rescue|emergency|default|set-environment|unset-environment|import-environment|freeze|thaw|clean)\b/, true, 'systemctl: starts, stops or changes units'],
  ['service', /^\S+\s+(status)$|^--status-all$/, false, 'service: reads status'],
  ['service|rc-service|sv', ANY, true, 'service: starts, stops or restarts a service'],
  ['rc-status|rc-update', /^((show|-s|--list)\b|$)/, false, 'OpenRC: shows'],
  ['rc-update|chkconfig|update-rc.d', ANY, true, 'changes which services start at boot'],
  ['chkconfig', /^(--list)?$/, false, 'lists services'],

  // ── Package managers ─────────────────────────────────────────────────────────────────
  ['apt|apt-get|aptitude', /^(list|search|show|showsrc|policy|depends|rdepends|changelog|download|source|moo)\b|(^|\s)(-s|--simulate|--dry-run|--just-print|--no-act|-h|--help)(\s|$)/, false, 'apt: reads package information or simulates'],
  ['apt|apt-get|aptitude', /^(install|reinstall|remove|purge|upgrade|full-upgrade|dist-upgrade|autoremove|autoclean|clean|update|build-dep|satisfy|edit-sources|markauto|hold|unhold|-f\s+install)\b/, true, 'apt: installs, removes or updates packages'],
  ['apt-cache|apt-file|apt-rdepends|apt-mark', /^(showhold|showauto|showmanual|search|show|policy|depends|rdepends|pkgnames|list|madison|stats)\b/, false, 'reads package information'],
  ['apt-mark|apt-file', ANY, true, 'changes package state'],
  ['apt-cache', ANY, false, 'reads package information'],
  ['dpkg', /^(-l|--list|-L|--listfiles|-s|--status|-S|--search|-p|--print-avail|-c|--contents|-I|--info|--get-selections|--print-architecture|--audit|-C|--compare-versions|-V|--verify)\b/, false, 'dpkg: reads package information'],
  ['dpkg|dpkg-reconfigure', ANY, true, 'dpkg: installs, removes or reconfigures packages'],
  ['dpkg-query', ANY, false, 'reads package information'],
  ['yum|dnf|microdnf|tdnf', /^(list|info|search|provides|whatprovides|repolist|repoinfo|check-update|deplist|repoquery|history\s*(list|info)?|--version|help|updateinfo|grouplist|group list|group info|module list|check)\b/, false, 'reads package information'],
  ['yum|dnf|microdnf|tdnf', /^(install|localinstall|reinstall|remove|erase|update|upgrade|downgrade|distro-sync|autoremove|makecache|clean|groupinstall|group install|group remove|module enable|module install|module reset|swap|history undo|history redo|history rollback|config-manager|copr)\b/, true, 'installs, removes or updates packages'],
  ['rpm', /^(-q|--query|-V|--verify|-K|--checksig|--eval|--showrc)\S*/, false, 'rpm: queries'],
  ['rpm', ANY, true, 'rpm: installs, upgrades or removes packages'],
  ['zypper', /^(se|search|if|info|lr|repos|ls|services|lp|list-patches|lu|list-updates|pa|packages|pt|patterns|wp|what-provides|ve|verify\s+--dry-run)\b/, false, 'zypper: reads'],
  ['zypper', ANY, true, 'zypper: changes packages or repositories'],
  ['pacman|yay|paru', /^-(Q|Ss|Si|Sl|Sg|F|Fl|Fs|T|Dk|V)\S*/, false, 'pacman: queries'],
  ['pacman|yay|paru', ANY, true, 'pacman: installs, removes or syncs packages'],
  ['apk', /^(info|search|list|policy|dot|stats|audit|version|--help|-h)\b/, false, 'apk: reads'],
  ['apk', ANY, true, 'apk: changes packages'],
  ['opkg', /^(list\S*|info|status|search|find|files|depends|whatdepends\S*|whatprovides|print-architecture|compare-versions)\b/, false, 'opkg: reads'],
  ['opkg|ipkg', ANY, true, 'opkg: changes packages'],
  ['snap', /^(list|info|find|search|version|changes|tasks|services|logs|connections|interfaces|warnings|get|known|model|whoami|routine)\b/, false, 'snap: reads'],
  ['snap', ANY, true, 'snap: changes snaps'],
  ['flatpak', /^(list|info|search|remote-ls|remotes|history|ps|documents)\b/, false, 'flatpak: reads'],
  ['flatpak', ANY, true, 'flatpak: changes applications'],
  ['brew', /^(list|ls|info|search|outdated|deps|uses|leaves|config|doctor|--version|--prefix|home|desc|log|services list|tap-info)\b/, false, 'brew: reads'],
  ['brew', ANY, true, 'brew: changes packages'],
  ['pip|pip3|pipx|uv|poetry|conda|mamba', /^(list|show|freeze|check|search|inspect|--version|-V|help|config list|env list|info|debug|index)\b/, false, 'reads installed packages'],
  ['pip|pip3|pipx|uv|poetry|conda|mamba', ANY, true, 'installs or removes packages'],
  ['npm|pnpm|yarn', /^(ls|list|ll|la|view|v|info|show|outdated|search|s|find|doctor|config\s+(get|list|ls)|whoami|explain|why|audit(?!\s+fix)|--version|-v|help|root|bin|prefix|fund|ping|query)\b/, false, 'reads packages'],
  ['npm|pnpm|yarn', ANY, true, 'installs, removes, publishes or runs packages'],
  ['gem|bundle|cargo-install|composer|go-install', /^(list|info|search|query|outdated|show|check|environment|-v|--version)\b/, false, 'reads packages'],
  ['gem|bundle|composer', ANY, true, 'installs or removes packages'],

  // ── Containers ───────────────────────────────────────────────────────────────────────
  ['docker|podman|nerdctl', /^(ps|images|logs|inspect|stats|top|version|info|events|history|diff|port|search|login|context ls|context show|(image|container|volume|network|node|service|secret|config|plugin|context|builder|buildx)\s+(ls|list|inspect|ps|logs|history)|system (df|info|events)|compose\s+(ps|logs|config|ls|images|top|version|events|port)|manifest inspect|stack (ls|ps|services)|wait|attach)\b/, false, 'container runtime: reads state'],
  ['docker|podman|nerdctl', /^(exec|container exec)\b/, null, 'runs a command in a container'],
  ['docker|podman|nerdctl', ANY, true, 'container runtime: creates, changes or removes containers or images'],
  ['docker-compose|podman-compose', /^(ps|logs|config|ls|images|top|version|events|port)\b/, false, 'compose: reads'],
  ['docker-compose|podman-compose', ANY, true, 'compose: changes services'],
  ['crictl|ctr', /^(ps|pods|images|img|inspect\S*|logs|stats\S*|info|version|ls|list|c ls|i ls|containers ls|images ls|tasks ls|namespaces ls|events)\b/, false, 'container runtime: reads'],
  ['crictl|ctr', ANY, true, 'container runtime: changes containers or images'],
  ['virsh', /^(list|dominfo|domstate|dumpxml|net-list|pool-list|vol-list|nodeinfo|capabilities|version|domifaddr|domblklist|snapshot-list|console)\b/, false, 'virsh: reads'],
  ['virsh|qm|pct|VBoxManage|vboxmanage|multipass|vagrant|lxc', /^(list|status|show|info|config|showvminfo|ls|version|ssh|console|exec)\b/, false, 'VM tool: reads or opens a console'],
  ['virsh|qm|pct|VBoxManage|vboxmanage|multipass|vagrant|lxc', ANY, true, 'starts, stops or changes virtual machines'],

  // ── Kubernetes and cloud CLIs ────────────────────────────────────────────────────────
  ['kubectl|oc|k', /^(get|describe|logs|top|explain|api-resources|api-versions|version|cluster-info|diff|events|auth can-i|auth whoami|config (view|get-contexts|current-context|get-clusters|get-users)|rollout (status|history)|wait|port-forward|proxy|completion|plugin list|kustomize|whoami|status|projects|project$)\b/, false, 'kubectl: reads cluster state'],
  ['kubectl|oc|k', /^(exec|attach|debug)\b/, null, 'runs a command in a pod'],
  ['kubectl|oc|k', ANY, true, 'kubectl: creates, changes or deletes cluster objects'],
  ['helm', /^(list|ls|status|get|history|hist|template|show|inspect|search|lint|version|env|dependency list|repo list|plugin list|verify|diff)\b/, false, 'helm: reads'],
  ['helm', ANY, true, 'helm: installs, upgrades or removes releases'],
  ['k9s|kubectx|kubens|stern|kubetail', /^$|^(-\S+)/, false, 'Kubernetes viewer'],
  ['kubectx|kubens', ANY, true, 'switches the kubectl context or namespace'],
  ['aws|gcloud|az|doctl|oci', /\b(describe|list|get|show|ls|wait|whoami|get-caller-identity|account show|config list|info|version|help|logs tail|logs get-log-events)\S*(\s|$)/, false, 'cloud CLI: reads'],
  ['aws|gcloud|az|doctl|oci', ANY, true, 'cloud CLI: creates, changes or deletes resources'],

  // ── git ──────────────────────────────────────────────────────────────────────────────
  ['git', /^(status|log|diff|show|blame|annotate|grep|ls-files|ls-remote|ls-tree|rev-parse|rev-list|describe|shortlog|reflog(\s+show)?$|cat-file|whatchanged|cherry|name-rev|merge-base|count-objects|fsck|help|version|--version|config\s+(--get\S*|-l|--list)|remote(\s+-v|\s+show\s+\S+|\s+get-url\s+\S+)?$|branch(\s+(-[avlr]+|--list|--contains\s+\S+|--show-current|--merged|--no-merged))*$|tag(\s+(-l|--list|-n\S*|--contains\s+\S+|--points-at\s+\S+))*$|stash\s+(list|show)|worktree\s+list|submodule(\s+status)?$|bisect\s+(log|visualize|view)|show-ref|for-each-ref|var|check-ignore|check-attr|difftool|range-diff)\b/, false, 'git: reads the repository'],
  ['git', /^(fetch|remote\s+update)\b/, true, 'git: updates remote-tracking branches'],
  ['git', ANY, true, 'git: changes the working tree, history, configuration or a remote'],

  // ── SQL command-line clients (interactive: judged per statement) ─────────────────────
  ['mysqldump|pg_dump|pg_dumpall|mongodump|redis-cli --rdb', ANY, false, 'dumps a database to standard output'],
  ['pg_restore|mongorestore|mysqlimport|pg_ctl|pg_ctlcluster|pg_upgrade|createdb|dropdb|createuser|dropuser|initdb', /^(status|--version|-V|--help)\b|\sstatus$/, false, 'database tool: reads'],
  ['pg_restore|mongorestore|mysqlimport|pg_ctl|pg_ctlcluster|pg_upgrade|createdb|dropdb|createuser|dropuser|initdb|mysqladmin', ANY, true, 'database tool: loads, creates, drops or restarts'],
  ['redis-cli', /(^|\s)(get|mget|keys|scan|info|ping|ttl|pttl|type|exists|hget|hgetall|lrange|smembers|zrange|dbsize|monitor|config get|client list|slowlog get|--scan|--bigkeys|--stat|--latency)\b/i, false, 'redis-cli: reads'],
  ['redis-cli', /(^|\s)(set|del|flushall|flushdb|expire|hset|lpush|rpush|sadd|zadd|incr|decr|config set|shutdown|save|bgsave|rename|persist)\b/i, true, 'redis-cli: writes data'],
  ['sqlplus|mysql|mariadb|psql|sqlite3|mongo|mongosh|cqlsh|clickhouse-client|redis-cli', NONE, false, 'opens a database shell (statements are judged one by one)'],
  ['sqlplus|mysql|mariadb|psql|sqlite3|mongo|mongosh|cqlsh|clickhouse-client|redis-cli', /^(-\S+\s*)*[\w./:@-]*$/, false, 'opens a database shell (statements are judged one by one)'],

  // ── Cisco IOS / IOS-XE / NX-OS / Arista EOS (exec mode) ───────────────────────────────
  ['show|sh|sho', ANY, false, 'show: reads device state'],
  ['ping|traceroute|trace|tracert|mtrace|telnet|ssh', ANY, false, 'tests reachability'],
  ['terminal|term', ANY, false, 'terminal setting for this session only'],
  ['enable|en|disable|exit|end|logout|quit|lo', ANY, false, 'changes only the session privilege or mode'],
  ['configure|conf|config', /^(t|te|ter|term|terminal|session\s+\S+|private|exclusive|replace\s+\S+.*|memory|network|confirm)?$/, false, 'enters configuration mode (each line in it is judged separately)'],
  ['write|wr|wri', /^(terminal|t)$/, false, 'prints the configuration'],
  ['write|wr|wri', ANY, true, 'saves the running configuration'],
  ['copy', ANY, true, 'copies a configuration or file'],
  ['reload|reset|restart', /^(cancel|in\s.*|at\s.*)$/, true, 'schedules or cancels a reload'],
  ['reload', ANY, true, 'restarts the device'],
  ['clear|clea', NONE, false, 'clears the screen'],
  ['clear|clea', ANY, true, 'clears counters, sessions or tables on the device'],
  ['debug|undebug|u|no debug', ANY, true, 'changes debugging on the device'],
  ['no', ANY, true, 'removes configuration'],
  ['interface|int', ANY, true, 'configures an interface (creates it if needed)'],
  ['shutdown', /^$/, true, 'shuts down (an interface in configuration mode, the machine in a shell)'],
  ['erase|delete|del|format|squeeze|undelete|archive|boot|license|crypto|install', /^(show|list)\b/, false, 'reads'],
  ['erase|delete|del|format|squeeze|undelete|archive|license|crypto|install', ANY, true, 'erases, deletes or changes files, keys or licences'],
  ['verify', ANY, false, 'verifies a file'],
  ['dir|more|pwd|cd', ANY, false, 'reads the device file system'],
  ['test', /^(cable-diagnostics|cable|tdr)\b/, true, 'runs a cable test (the port goes down)'],

  // ── Juniper Junos (operational mode; configuration mode is judged by context) ─────────
  ['monitor', /^(interface|traffic|start|list)\b/, false, 'monitors'],
  ['monitor', /^stop\b/, false, 'stops monitoring output'],
  ['request', /^(support information|system (storage|software) (list|validate)|system certificate (verify|show)|pfe execute)\b/, false, 'request: reads'],
  ['request', ANY, true, 'request: reboots, upgrades, generates or changes the system'],
  ['set', /^cli\b/, false, 'CLI setting for this session only'],
  ['set|delete|activate|deactivate|rename|insert|replace|annotate|protect|unprotect|load|rollback|wildcard', ANY, true, 'changes the candidate configuration'],
  ['commit', /^(check|confirmed\s+check)$/, false, 'validates without committing'],
  ['commit', ANY, true, 'commits the configuration'],
  ['edit|top|up|status|compare', /^(?!.*\b(set|delete|request|clear|restart)\b)/, false, 'moves within configuration mode'],
  ['run', /^(show|ping|traceroute|monitor)\b/, false, 'Junos: runs a reading operational command'],
  ['include|inc|exclude|excl|begin|section|sec|display|match|except|no-more|resolve|hold|trim', ANY, false, 'network CLI output filter'],
  ['start|file', /^(list|show|compare)\b/, false, 'reads'],
  ['start|file', ANY, true, 'opens a shell or changes files'],
  ['restart', ANY, true, 'restarts a process on the device'],

  // ── U-Boot, BusyBox, OpenWrt, RouterOS and other embedded CLIs ────────────────────────
  ['printenv|fw_printenv|help|version|bdinfo|coninfo|md|md.b|md.w|md.l|mii|crc32|itest|iminfo|fatls|ext4ls|ext2ls|fatinfo|mmcinfo|usb info|usb tree|usb storage|sf probe|nand info|nand bad|dhcp|ping|base|echo|loop', ANY, false, 'boot loader: reads'],
  ['setenv|env|saveenv|fw_setenv|editenv', /^(print|info|exists)\b/, false, 'boot loader: reads environment'],
  ['setenv|env|saveenv|fw_setenv|editenv', ANY, true, 'boot loader: changes or saves environment'],
  ['mw|mw.b|mw.w|mw.l|nm|mm|cp.b|cp.w|cp.l|cmp.b|tftpboot|tftp|loadb|loady|loadx|load|fatload|ext4load|nfs', ANY, true, 'boot loader: writes memory'],
  ['nand|sf|mmc|usb|sata|scsi|ubi|ubifs|spi|i2c', /^(info|list|bad|dump|read|probe|dev|part|rescan|tree|storage|md|mmcinfo|probe)\b/, false, 'boot loader: reads a device'],
  ['nand|sf|mmc|usb|sata|scsi|ubi|ubifs|spi|i2c', ANY, true, 'boot loader: writes or erases a device'],
  ['boot|bootm|bootz|booti|bootd|run|go|reset|bootefi|bootelf|bootp', ANY, true, 'boot loader: boots, runs or resets'],
  ['uci', /^(show|get|export|changes)\b/, false, 'OpenWrt uci: reads'],
  ['uci', ANY, true, 'OpenWrt uci: changes configuration'],
  ['mtd|sysupgrade|firstboot|jffs2reset|flash_erase|flashcp|nandwrite|ubiformat', /^(-T|--test|info|list)\b/, false, 'checks only'],
  ['mtd|sysupgrade|firstboot|jffs2reset|flash_erase|flashcp|nandwrite|ubiformat', ANY, true, 'writes flash'],
  ['wifi|ifup|ifdown|ifreload|netplan|nmtui|wpa_cli|hostapd_cli', /^(status|list|get|info|ping|status\s+\S+|-i\s+\S+\s+status)?$/, false, 'reads'],
  ['wifi|ifup|ifdown|ifreload|netplan|nmtui|wpa_cli|hostapd_cli', ANY, true, 'changes network interfaces'],
  ['logread|ubus|devmem|ethtool', /^(call\s.*\s(set|add|del|reload|restart|up|down)\b|-s\b|-K\b|-A\b|-G\b|-E\b|\S+\s+\S+\s+\S+)/, true, 'changes hardware or service state'],
  ['logread|ubus', ANY, false, 'reads'],
  ['devmem', ANY, false, 'reads a physical address'],
];

/** Words an SQL statement may start with, and whether it changes state. */
// prettier-ignore
export const SQL_RULES: readonly Rule[] = [
  ['select|with|table|values', /\binto\s+(?!@)\w|\b(nextval|setval|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|lo_import|lo_unlink|pg_drop_replication_slot|pg_switch_wal)\s*\(|\bfor\s+(update|share)\b|\b(insert|update|delete)\s/i, true, 'SQL: writes (INTO, a changing function or a data-modifying CTE)'],
  ['select|with|table|values|show|describe|desc|explain|use|help|\\\\d\\S*|\\\\l\\S*|\\\\dt\\S*|\\\\du|\\\\dn|\\\\df|\\\\dv|\\\\x|\\\\timing|\\\\c|\\\\conninfo|\\\\q|\\\\\\?|\\\\h|\\.tables|\\.schema|\\.headers|\\.mode|\\.quit|\\.exit|\\.databases|\\.indexes|status|prompt|pager|nopager|source', /^(?!.*\banalyze\b.*\b(insert|update|delete|merge)\b)/i, false, 'SQL: reads'],
  ['begin|start|rollback|savepoint|release|set|reset|discard|prepare|deallocate|listen|unlisten|declare|fetch|close|move|lock|checkpoint', /^(?!global\b|persist\b|@@global|password\b)/i, false, 'SQL: transaction or session control only'],
  ['insert|update|delete|merge|upsert|replace|create|alter|drop|truncate|rename|grant|revoke|comment|copy|load|vacuum|analyze|reindex|cluster|refresh|commit|end|call|exec|execute|do|import|set|flush|kill|optimize|repair|purge|install|uninstall|shutdown|restart|security|reassign|notify|security label', ANY, true, 'SQL: changes data, schema, privileges or server settings'],
];
