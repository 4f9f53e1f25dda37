#!/bin/sh
# Generates one large account dump (`aws iam get-account-authorization-details`
# output, 4-space indented as the AWS CLI writes it) by replicating a real
# one from the corpus until it reaches SIZE_MB megabytes. Each copy's users,
# groups, roles and customer managed policies get a "-N" suffix on their
# names and ARNs (attachments and group memberships follow), so the copies
# are distinct principals and policies.
#
#     bench/gen_dump.sh SIZE_MB OUT [CORPUS_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
size=${1:?usage: gen_dump.sh SIZE_MB OUT [CORPUS_DIR]}
out=${2:?usage: gen_dump.sh SIZE_MB OUT [CORPUS_DIR]}
corpus=${3:-$here/../../shared/corpus}
src=$corpus/authz-details/salesforce__cloudsplaining/examples/files/example.json
[ -f "$src" ] || { echo "gen_dump: no $src" >&2; exit 2; }
one=$(wc -c <"$src")
copies=$(( (size * 1000000 + one - 1) / one ))
jq --indent 4 --argjson n "$copies" '
  def sfx($i): if type == "string" and (startswith("arn:aws:iam::aws:") | not) then . + "-\($i)" else . end;
  . as $d
  | { UserDetailList: [range($n) as $i | $d.UserDetailList[]
        | .UserName |= sfx($i) | .Arn |= sfx($i) | .GroupList |= map(sfx($i))
        | .AttachedManagedPolicies |= map(.PolicyArn |= sfx($i))],
      GroupDetailList: [range($n) as $i | $d.GroupDetailList[]
        | .GroupName |= sfx($i) | .Arn |= sfx($i)
        | .AttachedManagedPolicies |= map(.PolicyArn |= sfx($i))],
      RoleDetailList: [range($n) as $i | $d.RoleDetailList[]
        | .RoleName |= sfx($i) | .Arn |= sfx($i)
        | .AttachedManagedPolicies |= map(.PolicyArn |= sfx($i))],
      Policies: [range($n) as $i | $d.Policies[]
        | .PolicyName |= sfx($i) | .Arn |= sfx($i)] }' "$src" >"$out"
