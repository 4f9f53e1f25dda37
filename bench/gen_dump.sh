#!/bin/sh
# Generates one large account dump (`aws iam get-account-authorization-details`
# output, 4-space indented as the AWS CLI writes it) by replicating a real
# one from the corpus until it reaches SIZE_MB megabytes. Each copy's users,
# groups, roles and customer managed policies get a "-N" suffix on their
# names and ARNs (attachments and group memberships follow), so the copies
# are distinct principals and policies.
#
#     bench/gen_dump.sh [--unique] SIZE_MB OUT [CORPUS_DIR]
#
# Copies still share every other string (inline policy names, Sids, resource
# ARNs, IDs), which a parser that keeps repeated strings once stores once.
# With --unique nothing that names something repeats, as in a real account
# of that size: inline policy names and the IDs of principals and policies
# get the suffix too, every statement gets a Sid of its own, and each copy
# has its own account ID, in every ARN and string that holds it. Wildcard
# patterns without an account (arn:aws:sns:*:*:*) and action names repeat,
# as they do in any account.
#
# The dump is written list entry by list entry, so jq never holds it whole.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
unique=false
if [ "${1:-}" = --unique ]; then
    unique=true
    shift
fi
size=${1:?usage: gen_dump.sh [--unique] SIZE_MB OUT [CORPUS_DIR]}
out=${2:?usage: gen_dump.sh [--unique] SIZE_MB OUT [CORPUS_DIR]}
corpus=${3:-$here/../../shared/corpus}
src=$corpus/authz-details/salesforce__cloudsplaining/examples/files/example.json
[ -f "$src" ] || { echo "gen_dump: no $src" >&2; exit 2; }

# One copy, numbered $i, of list $list. Entries come out one by one.
prog='
  def sfx($i): if type == "string" and (startswith("arn:aws:iam::aws:") | not) then . + "-\($i)" else . end;
  def each(f): if type == "array" then map(f) else . end;
  def has_then($k; f): if has($k) then .[$k] |= f else . end;
  def att($i): .PolicyArn |= sfx($i)
    | if $unique and ((.PolicyArn // "") | startswith("arn:aws:iam::aws:") | not)
      then .PolicyName |= sfx($i) else . end;
  def principal($i; $name; $id; $policies):
    .[$name] |= sfx($i) | .Arn |= sfx($i) | .AttachedManagedPolicies |= each(att($i))
    | if $unique then .[$id] |= sfx($i) | has_then($policies; each(.PolicyName |= sfx($i))) else . end;
  def copy($i):
    if $list == "UserDetailList" then principal($i; "UserName"; "UserId"; "UserPolicyList")
        | .GroupList |= each(sfx($i))
    elif $list == "GroupDetailList" then principal($i; "GroupName"; "GroupId"; "GroupPolicyList")
    elif $list == "RoleDetailList" then principal($i; "RoleName"; "RoleId"; "RolePolicyList")
    else .PolicyName |= sfx($i) | .Arn |= sfx($i)
        | if $unique then .PolicyId |= sfx($i) else . end
    end;
  # Unique mode: a Sid for every statement, and an account for each copy.
  def sids($i; $k):
    reduce ([paths(type == "object" and has("Effect") and has("Action", "NotAction"))] | to_entries[])
      as $e (.; setpath($e.value + ["Sid"]; "S\($i)x\($k)x\($e.key)"));
  def account($i):
    (1000000000000 - 1 - $i | tostring) as $acct
    | walk(if type == "string" and index($orig) then split($orig) | join($acct) else . end);
  . as $d | range($first; $last + 1) as $i | $d[$list] // [] | to_entries[] as $e
  | $e.value | copy($i)
  | if $unique then sids($i; $e.key) | account($i) else . end'

orig=$(jq -r '[.UserDetailList[]?, .RoleDetailList[]?, .GroupDetailList[]?][0].Arn | split(":")[4]' "$src")

# Entries of one list over copies first..last, indented to sit in the dump.
entries() { # list first last
    jq --indent 4 --arg list "$1" --argjson first "$2" --argjson last "$3" \
        --argjson unique "$unique" --arg orig "$orig" "$prog" "$src" | awk 'NR > 1 { print "        " prev ((prev == "}" && $0 == "{") ? "," : "") }
                { prev = $0 }
                END { if (NR) print "        " prev }'
}

dump() { # copies out
    n=$1
    {
        printf '{\n'
        sep=''
        for list in UserDetailList GroupDetailList RoleDetailList Policies; do
            printf '%s    "%s": [\n' "$sep" "$list"
            entries "$list" 0 $((n - 1))
            printf '    ]'
            sep=',
'
        done
        printf '\n}\n'
    } >"$2"
}

# The size of one copy decides how many make SIZE_MB.
if $unique; then
    dump 1 "$out"
    one=$(wc -c <"$out")
else
    one=$(wc -c <"$src")
fi
copies=$(((size * 1000000 + one - 1) / one))
dump "$copies" "$out"
