#!/bin/sh
# The aws-guardrails pack holds exactly the catalogue's IAM-* guardrails: the
# identifiers are read from the catalogue's definitions
# (guardrails/<service>/IAM-*.json), so a guardrail missing from the pack, or
# a pack rule the catalogue does not define, fails the test and is named.
# For each guardrail the test also checks its help_uri (the service folder's
# published page and the identifier's anchor), that the rule file of its
# service folder has a test case where it reports and one where it stays
# silent, that a rule with an authorized_principals parameter has a case
# whose configuration (CASE.iamguard.yml) sets it, and that
# docs/aws-guardrails.md has its row in its service's section.
#   test_guardrail_catalogue.sh IAMGUARD SOURCE_DIR SEED_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
seed=$3
. "$src/tests/cli/lib.sh"
pack=$src/lua/packs/aws-guardrails
docs=$src/docs/aws-guardrails.md
site=https://aws-samples.github.io/aws-iam-permissions-guardrails/guardrails

if [ ! -d "$seed/guardrails" ]; then
    echo "SKIP: no guardrail catalogue at $seed (IAMG_GUARDRAILS_DIR)"
    exit 77
fi

# The catalogue: "service-folder IDENTIFIER" per guardrail.
for f in "$seed"/guardrails/*/IAM-*.json; do
    folder=$(basename "$(dirname "$f")")
    id=$(jq -r '.Identifier' "$f") || { fail "unreadable definition $f"; continue; }
    [ "$id.json" = "$(basename "$f")" ] || fail "$f defines $id"
    echo "$folder $id"
done | sort -k2 >"$tmp/catalogue"
n=$(wc -l <"$tmp/catalogue")
[ "$n" -gt 0 ] || fail "no IAM-* definitions under $seed/guardrails"

# The pack, as iamguard lists it, with each rule's help_uri from SARIF.
"$bin" rules --no-config --pack aws-guardrails -f json >"$tmp/rules.json" ||
    fail "rules --pack aws-guardrails -f json failed"
printf '{"Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]}\n' >"$tmp/p.json"
"$bin" scan --no-config --pack aws-guardrails -f sarif -o "$tmp/rules.sarif" "$tmp/p.json" \
    >/dev/null 2>&1
jq -r '.[] | select(.pack == "aws-guardrails") | .id' "$tmp/rules.json" | sort >"$tmp/pack"
cut -d' ' -f2 "$tmp/catalogue" >"$tmp/ids"

missing=$(comm -23 "$tmp/ids" "$tmp/pack" | tr '\n' ' ')
extra=$(comm -13 "$tmp/ids" "$tmp/pack" | tr '\n' ' ')
[ -z "$missing" ] && ok "every one of the catalogue's $n IAM-* guardrails is a rule of the pack" ||
    fail "$(comm -23 "$tmp/ids" "$tmp/pack" | wc -l) of the catalogue's $n guardrails are missing from the pack: $missing"
[ -z "$extra" ] && ok "the pack has no rule the catalogue does not define" ||
    fail "pack rules the catalogue does not define: $extra"
[ "$(jq -r '.[].id' "$tmp/rules.json" | sort | uniq -d)" = "" ] && ok "each rule once" ||
    fail "rules listed twice: $(jq -r '.[].id' "$tmp/rules.json" | sort | uniq -d | tr '\n' ' ')"

# `iamguard rules --pack aws-guardrails` (text) lists each of them.
"$bin" rules --no-config --pack aws-guardrails >"$tmp/rules.txt" || fail "rules --pack (text) failed"
notext=""
while read -r id; do
    grep -q "^$id " "$tmp/rules.txt" || notext="$notext $id"
done <"$tmp/pack"
[ -z "$notext" ] && ok "rules --pack aws-guardrails lists them as text" || fail "not in the text list:$notext"

# The rules declaring authorized_principals, and per case configuration
# "TESTS-DIR ID" for each rule it gives a non-empty list, as iamguard reads
# the file (so every YAML form counts).
jq -r '.[] | select(.pack == "aws-guardrails")
    | select(any(.params[]?; .name == "authorized_principals")) | .id' \
    "$tmp/rules.json" | sort -u >"$tmp/declares"
[ -s "$tmp/declares" ] || fail "no rule of the pack declares authorized_principals"
: >"$tmp/configured"
for y in "$pack"/*.tests/*.iamguard.yml "$src"/lua/rules/*.tests/*.iamguard.yml; do
    [ -f "$y" ] || continue
    "$bin" rules --config "$y" --pack aws-guardrails -f json >"$tmp/case.json" ||
        { fail "rules --config $y failed"; continue; }
    jq -r --arg d "$(dirname "$y")" '.[]
        | select(any(.params[]?; .name == "authorized_principals" and (.value | length) > 0))
        | "\($d) \(.id)"' "$tmp/case.json" >>"$tmp/configured"
done

# Per guardrail of the pack: help_uri, test cases, documentation row.
bad_uri="" bad_file="" no_pos="" no_neg="" no_auth="" no_row=""
while read -r folder id; do
    grep -qx "$id" "$tmp/pack" || continue
    uri=$(jq -r --arg id "$id" '.runs[0].tool.driver.rules[] | select(.id == $id) | .helpUri' "$tmp/rules.sarif")
    [ "$uri" = "$site/$folder/guardrails.html#$id" ] || bad_uri="$bad_uri $id($uri)"
    # The rule file: the pack's file of its service folder, or for the rules
    # built into iamguard (IAM-SSM-1/2) theirs; the test cases beside it.
    source=$(jq -r --arg id "$id" '.[] | select(.id == $id) | .source' "$tmp/rules.json")
    case $source in
    builtin/aws-guardrails/*) file=${source#builtin/aws-guardrails/} dir=$pack ;;
    builtin/*) file=${source#builtin/} dir=$src/lua/rules ;;
    *) file=$source dir=/nonexistent ;;
    esac
    [ "$file" = "$folder.lua" ] || bad_file="$bad_file $id($source)"
    tests=$dir/${file%.lua}.tests
    # Cases where it reports and cases where it stays silent (no line of
    # its .expected names it). For a file of several rules a case silent
    # for one rule may test another; the cases say which in their comments.
    pos=0 neg=0
    for e in "$tests"/*.expected; do
        [ -f "$e" ] || continue
        if grep -q "^$id " "$e"; then pos=$((pos + 1)); else neg=$((neg + 1)); fi
    done
    [ $pos -gt 0 ] || no_pos="$no_pos $id"
    [ $neg -gt 0 ] || no_neg="$no_neg $id"
    if grep -qx "$id" "$tmp/declares" && ! grep -qxF "$tests $id" "$tmp/configured"; then
        no_auth="$no_auth $id"
    fi
    # Its row, in its folder's section ("## folder" up to the next "## ").
    awk -v sec="## $folder" -v id="$id" '
        $0 == sec { on = 1; next }
        /^## / { on = 0 }
        on && index($0, "| " id " |") == 1 { found = 1 }
        END { exit !found }' "$docs" || no_row="$no_row $id"
done <"$tmp/catalogue"
[ -z "$bad_uri" ] && ok "help_uri: the service folder's page and the guardrail's anchor" ||
    fail "help_uri not the catalogue's page:$bad_uri"
[ -z "$bad_file" ] && ok "each rule is in the file of its service folder" ||
    fail "rules outside their service folder's file:$bad_file"
[ -z "$no_pos" ] && ok "each rule has a test case where it reports" || fail "no case reports:$no_pos"
[ -z "$no_neg" ] && ok "each rule has a test case where it stays silent" ||
    fail "no case where it stays silent:$no_neg"
[ -z "$no_auth" ] &&
    ok "each of the $(wc -l <"$tmp/declares") rules declaring authorized_principals has a case configuring it" ||
    fail "no case configures authorized_principals for:$no_auth"
[ -z "$no_row" ] && ok "docs/aws-guardrails.md has a row per guardrail in its service's section" ||
    fail "no row in docs/aws-guardrails.md for:$no_row"

[ $fails = 0 ]
