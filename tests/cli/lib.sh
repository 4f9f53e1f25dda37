# Shared by the CLI test scripts, sourced after their arguments are read:
# a scratch folder $tmp removed on exit, and the count of failed checks
# that each script's last line turns into its exit status.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
