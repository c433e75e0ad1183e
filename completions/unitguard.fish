# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_unitguard_global_optspecs
    string join \n color= no-pager q/quiet h/help V/version
end

function __fish_unitguard_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_unitguard_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_unitguard_using_subcommand
    set -l cmd (__fish_unitguard_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c unitguard -n "__fish_unitguard_needs_command" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_needs_command" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_needs_command" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c unitguard -n "__fish_unitguard_needs_command" -s V -l version -d 'Print version'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "audit" -d 'Score the exposure of units (all services when none are given)'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "cat" -d 'Print a unit\'s fragment and drop-ins as systemd merges them, like `systemctl cat`'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "cheatsheet" -d 'Every directive of the catalogue: values, default, what it stops and breaks, since when'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "explain" -d 'For each failing check: the directive that closes it, what it stops, what it may break'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "harden" -d 'Write a drop-in that lowers a unit\'s exposure without breaking it'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "lint" -d 'Find known pitfalls in unit files, with file:line and the fix'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "apply" -d 'Harden a running service: write the drop-in, restart, verify, roll back on failure'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "rollback" -d 'Remove unitguard\'s drop-in from a unit (restoring the one it replaced) and restart it'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "denials" -d 'Sandbox denials from the journal and kernel audit lines, with the directive to blame'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "baseline" -d 'Record every unit\'s exposure in a file for the config repository, or compare with one'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "checklist" -d 'The five-point checklist: baseline, core directives, syscall filter, capabilities, SIEM'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "collect" -d 'This host\'s whole state (facts, every unit\'s assessment, drop-ins, checklist) as one JSON document'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "report" -d 'Many hosts\' collected states in one self-contained HTML report and a text summary'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "learn" -d 'Watch a service (or a command) under strace and record what it does as evidence'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "ansible" -d 'An Ansible role and playbooks that roll unitguard\'s drop-ins out to a fleet: canary first, each unit verified, rolled back on failure'
complete -c unitguard -n "__fish_unitguard_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l security-policy -d 'A systemd-analyze security policy (JSON) overriding weights, ranges and texts' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l offline -d 'Read unit files instead of asking the running systemd (--offline alone means yes). Without it, a running manager is asked when one answers and no --root, --image or unit file path is given' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l json -d 'systemd-analyze\'s JSON: one array of check rows per unit (pretty: tab-indented, short: one line; off: the table). `--json` alone is unitguard\'s document (`--format json`)' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l threshold -d 'Exit with status 1 if a unit\'s exposure is above N, on systemd\'s 0-100 scale (--threshold=50 is 5.0); see --max-exposure for the 0.0-10.0 form' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l image -d 'Look units up in this disk image (a file system or a GPT disk with a root partition), mounted read-only for the run; needs root' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l format -d 'Output format: text (systemd\'s tables), json (unitguard\'s document), sarif (SARIF 2.1.0 for code scanning), junit (one test case per unit), gitlab (GitLab code quality)' -r -f -a "text\t''
json\t''
sarif\t''
junit\t''
gitlab\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l max-exposure -d 'Exit with status 1 if a unit\'s exposure is above X.Y (0.0-10.0, as the tables print it)' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l base -d 'Paths in SARIF, JUnit and GitLab reports are relative to DIR (default: the current directory, normally the repository\'s checkout)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l user -d 'User units: the user search path (~/.config/systemd/user, /etc/systemd/user, ...), the user manager\'s defaults, and the session bus when live'
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l system -d 'System units (the default)'
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l no-legend -d 'Do not print the column headers of the tables'
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand audit" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand cat" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand cat" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand cat" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand cat" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand cat" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand cat" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand cat" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand cheatsheet" -l format -d 'Output format [default: the --output extension (.md, .html, .pdf), else md]' -r -f -a "md\t'GitHub markdown'
html\t'One self-contained HTML file (inline CSS, print-friendly)'
pdf\t'An A4 PDF document: a two-page summary to pin up, then the reference (fonts embedded)'"
complete -c unitguard -n "__fish_unitguard_using_subcommand cheatsheet" -s o -l output -d 'Write to FILE instead of standard output (a PDF is not written to a terminal)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand cheatsheet" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand cheatsheet" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand cheatsheet" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand cheatsheet" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c unitguard -n "__fish_unitguard_using_subcommand explain" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand explain" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand explain" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand explain" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand explain" -l json -d 'Print JSON instead of text'
complete -c unitguard -n "__fish_unitguard_using_subcommand explain" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand explain" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand explain" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l profile -d 'How far to go: settings that rarely break anything, or the tightest that fit' -r -f -a "baseline\t'Settings that rarely break a daemon'
strict\t'The tightest settings that fit what unitguard can see of the service'"
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l allow-ip -d 'Allow only these peers (plus localhost): adds IPAddressDeny=any and IPAddressAllow=' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l security-policy -d 'A systemd-analyze security policy (JSON) for the predicted scores' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l from -d 'Fit the drop-in to what `unitguard learn` saw the service do (an evidence file)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l write -d 'Write /etc/systemd/system/UNIT.d/hardening.conf (under --root), keeping a backup; for a template (foo@.service) the template\'s directory, which applies to every instance'
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l as-user -d 'With --from: start a root daemon as the user the trace saw it switch to (User=, no capabilities to switch), what `apply --learn` tries first; only a start shows whether its start scripts accept that'
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand harden" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -l format -d 'Output format: text, json, or a CI report: sarif (code scanning), junit (one test case per unit), gitlab (code quality)' -r -f -a "text\t''
json\t''
sarif\t''
junit\t''
gitlab\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -l base -d 'Paths in SARIF, JUnit and GitLab reports are relative to DIR (default: the current directory, normally the repository\'s checkout)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -l host -d 'Also check what the units name on this machine: paths that must exist, the programs started and their config files, the DNS resolver (--root does this for its tree)'
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand lint" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l profile -d 'How far to go (see `harden --help`)' -r -f -a "baseline\t'Settings that rarely break a daemon'
strict\t'The tightest settings that fit what unitguard can see of the service'"
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l smoke -d 'A command that must succeed after the restart (default: the daemon profile\'s check)' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l timeout -d 'Seconds to wait for the service to become active, and for the smoke command' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l settle -d 'Seconds the service must stay active (same PID, no restarts) to count as healthy' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l allow-ip -d 'Allow only these peers (plus localhost): adds IPAddressDeny=any and IPAddressAllow=' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l dropin -d 'Apply this drop-in file (your own) instead of the generated one, with the same checks and automatic rollback; it is installed as UNIT.d/hardening.conf' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l exercise -d 'With --learn: the command that exercises the service while it is watched; it is also the smoke check after the drop-in is applied (unless --smoke is given)' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l evidence -d 'With --learn: the evidence file to add to [default: /var/lib/unitguard/learn/UNIT.json]' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l dry-run -d 'Print the plan without changing anything'
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l start -d 'Start the unit when it is not running (by default a stopped unit stays stopped: the drop-in is installed and the manager reloaded, but nothing is verified)'
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l learn -d 'Watch the service first (`unitguard learn`) and fit the strict drop-in to what it did'
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c unitguard -n "__fish_unitguard_using_subcommand rollback" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand rollback" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand rollback" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand rollback" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l since -d 'Start from this time (any journalctl --since value, e.g. "-1h", "today", "@1700000000"); the unit\'s own log files are then not read (their lines have no common timestamp)' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l ndjson -d 'Also append each denial to FILE as one JSON line of the SIEM schema (`-`: standard output)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l follow -d 'Keep watching for new denials'
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l json -d 'One JSON object per denial, one per line'
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l journal -d 'Also write each denial to the journal as a structured entry (MESSAGE_ID and UNITGUARD_* fields; README: "Denials for a SIEM")'
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l install -d 'Install unitguard-denials.service (denials --follow --journal as a hardened service) under --root or on this host, and enable and start it when a systemd runs here'
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand denials" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and not __fish_seen_subcommand_from save diff help" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and not __fish_seen_subcommand_from save diff help" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and not __fish_seen_subcommand_from save diff help" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and not __fish_seen_subcommand_from save diff help" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and not __fish_seen_subcommand_from save diff help" -f -a "save" -d 'Write every unit\'s exposure, label and failing checks, sorted, with a header'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and not __fish_seen_subcommand_from save diff help" -f -a "diff" -d 'Compare this host with a baseline: regressions, improvements, new and removed units'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and not __fish_seen_subcommand_from save diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -s o -l output -d 'Write to FILE (atomically) instead of standard output' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -l offline -d 'Read unit files instead of asking the running systemd (implied by --root)'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -l json -d 'The JSON form instead of the text form'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -l tolerance -d 'How much a unit\'s exposure may rise before it counts as a regression (0.0-10.0)' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -l offline -d 'Read unit files instead of asking the running systemd (implied by --root)'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -l json -d 'Print the differences as JSON'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from help" -f -a "save" -d 'Write every unit\'s exposure, label and failing checks, sorted, with a header'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from help" -f -a "diff" -d 'Compare this host with a baseline: regressions, improvements, new and removed units'
complete -c unitguard -n "__fish_unitguard_using_subcommand baseline; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -l baseline -d 'The host\'s recorded baseline (point 1)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -l offline -d 'Read unit files instead of asking the running systemd (implied by --root)'
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -l json -d 'Print JSON instead of text'
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand checklist" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -s o -l output -d 'Write to FILE (atomically) instead of standard output' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -l baseline -d 'The host\'s recorded baseline, for the checklist\'s first point' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -l offline -d 'Read unit files instead of asking the running systemd (implied by --root)'
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand collect" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand report" -l html -d 'Write the HTML report to OUT' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand report" -l baseline -d 'A directory of baselines (`unitguard baseline save`), matched to hosts by host name' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand report" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand report" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand report" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand report" -s h -l help -d 'Print help'
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -l exercise -d 'A command that exercises the service while it is watched (it must succeed)' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -l duration -d 'Seconds to watch after the start (and after the exercise)' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -l evidence -d 'Where the evidence goes (merged into the file if it exists) [default: for a unit /var/lib/unitguard/learn/UNIT.json, for a command ./evidence.json]' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -l merge -d 'Merge these evidence files into --evidence (nothing is traced)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -l timeout -d 'Seconds to wait for the unit to start and to stop' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -l replace -d 'Start the evidence file afresh instead of adding to it'
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand learn" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l from-dir -d 'Take drop-ins from DIR: UNIT.conf files (harden\'s output) and UNIT.d/hardening.conf (an /etc/systemd/system, e.g. a staging host\'s after `unitguard apply`)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l out -d 'Where the role (roles/unitguard/) and the playbooks (rollout.yml, rollback.yml) go' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l root -d 'Look units up under this root directory instead of / (it must exist)' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l systemd-version -d 'Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the running manager\'s version (live), else the one installed under --root (or on this host), from its libsystemd-shared-N.so' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l profile -d 'How far to go for the UNITs (see `harden --help`)' -r -f -a "baseline\t'Settings that rarely break a daemon'
strict\t'The tightest settings that fit what unitguard can see of the service'"
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l allow-ip -d 'Allow only these peers (plus localhost) in the UNITs\' drop-ins: IPAddressDeny=any and IPAddressAllow=' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l evidence -d 'Evidence files from `unitguard learn UNIT`: that unit\'s drop-in is fitted to it, and the exercise command learn ran becomes its smoke check' -r -F
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l smoke -d 'A unit\'s smoke check, run on each host after the restart [default: learn\'s exercise, else the daemon profile\'s]' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l per-host -d 'Make this directive\'s values a list variable per unit (unitguard_<unit>_<directive>, default the generated values), to set per host group in group_vars; e.g. IPAddressAllow' -r
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l color -d 'Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l nearest-version -d 'For a version unitguard has no tables for, use the nearest older one (said on stderr) instead of failing'
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -l no-pager -d 'Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)'
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -s q -l quiet -d 'Do not print notes and hints on standard error'
complete -c unitguard -n "__fish_unitguard_using_subcommand ansible" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "audit" -d 'Score the exposure of units (all services when none are given)'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "cat" -d 'Print a unit\'s fragment and drop-ins as systemd merges them, like `systemctl cat`'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "cheatsheet" -d 'Every directive of the catalogue: values, default, what it stops and breaks, since when'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "explain" -d 'For each failing check: the directive that closes it, what it stops, what it may break'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "harden" -d 'Write a drop-in that lowers a unit\'s exposure without breaking it'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "lint" -d 'Find known pitfalls in unit files, with file:line and the fix'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "apply" -d 'Harden a running service: write the drop-in, restart, verify, roll back on failure'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "rollback" -d 'Remove unitguard\'s drop-in from a unit (restoring the one it replaced) and restart it'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "denials" -d 'Sandbox denials from the journal and kernel audit lines, with the directive to blame'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "baseline" -d 'Record every unit\'s exposure in a file for the config repository, or compare with one'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "checklist" -d 'The five-point checklist: baseline, core directives, syscall filter, capabilities, SIEM'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "collect" -d 'This host\'s whole state (facts, every unit\'s assessment, drop-ins, checklist) as one JSON document'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "report" -d 'Many hosts\' collected states in one self-contained HTML report and a text summary'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "learn" -d 'Watch a service (or a command) under strace and record what it does as evidence'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "ansible" -d 'An Ansible role and playbooks that roll unitguard\'s drop-ins out to a fleet: canary first, each unit verified, rolled back on failure'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and not __fish_seen_subcommand_from audit cat cheatsheet explain harden lint apply rollback denials baseline checklist collect report learn ansible help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and __fish_seen_subcommand_from baseline" -f -a "save" -d 'Write every unit\'s exposure, label and failing checks, sorted, with a header'
complete -c unitguard -n "__fish_unitguard_using_subcommand help; and __fish_seen_subcommand_from baseline" -f -a "diff" -d 'Compare this host with a baseline: regressions, improvements, new and removed units'
