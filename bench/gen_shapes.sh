#!/bin/sh
# Generates input shapes whose cost must not depend on line length, each as
# a one-line file and its indented twin (same documents, same findings):
#
#     bench/gen_shapes.sh DIR
#
#   plan2000-{oneline,indented}.json   Terraform plan, 2,000 policies, one
#                                      IAM-SSM-1 finding each (0.8 MB)
#   plan7m-{oneline,indented}.json     Terraform plan of 7.2 MB: 2,000 policies
#                                      of 25 statements, one finding each
#   policy10k-{oneline,indented}.json  one policy of 10,000 statements, 2,000
#                                      findings (1.1 MB)
#
# Descriptions and Sids hold multi-byte and astral characters, so columns
# (UTF-16 code units) differ from byte offsets all along the line.
set -eu
out=${1:?usage: gen_shapes.sh DIR}
mkdir -p "$out"

plan() { # file resources filler-statements indented(0|1)
    awk -v N="$2" -v K="$3" -v NL="$4" 'BEGIN {
        if (NL) { nl = "\n"; i1 = "  "; i2 = "    "; i3 = "      "; sp = " " }
        else { nl = ""; i1 = i2 = i3 = ""; sp = "" }
        printf "{%s%s\"format_version\":%s\"1.2\",%s%s\"terraform_version\":%s\"1.8.0\",", nl, i1, sp, nl, i1, sp
        printf "%s%s\"resource_changes\":%s[", nl, i1, sp
        for (r = 0; r < N; r++) {
            pol = "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":["
            for (k = 0; k < K; k++)
                pol = pol sprintf("{\\\"Sid\\\":\\\"Read%d\\\",\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":[\\\"s3:GetObject\\\",\\\"s3:ListBucket\\\"],\\\"Resource\\\":\\\"arn:aws:s3:::bucket-%d-%d/*\\\"},", k, r, k)
            pol = pol "{\\\"Sid\\\":\\\"Run\\\",\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"ssm:SendCommand\\\",\\\"Resource\\\":\\\"*\\\"}]}"
            printf "%s%s%s{%s%s\"address\":%s\"aws_iam_policy.p%d\",", (r ? "," : ""), nl, i2, nl, i3, sp, r
            printf "%s%s\"mode\":%s\"managed\",%s%s\"type\":%s\"aws_iam_policy\",", nl, i3, sp, nl, i3, sp
            printf "%s%s\"name\":%s\"p%d\",%s%s\"change\":%s", nl, i3, sp, r, nl, i3, sp
            printf "{\"actions\":[\"create\"],\"before\":null,\"after\":{\"name\":\"p%d\",", r
            printf "\"description\":\"Politique d’accès — ✓ 🔐 %d\",\"policy\":\"%s\"},\"after_unknown\":{}}%s%s}", r, pol, nl, i2
        }
        printf "%s%s]%s}%s", nl, i1, nl, nl
    }' >"$out/$1"
}

policy() { # file statements indented(0|1)
    awk -v S="$2" -v NL="$3" 'BEGIN {
        if (NL) { nl = "\n"; i1 = "  "; i2 = "    "; sp = " " } else { nl = ""; i1 = i2 = ""; sp = "" }
        printf "{%s%s\"Version\":%s\"2012-10-17\",%s%s\"Statement\":%s[", nl, i1, sp, nl, i1, sp
        for (i = 0; i < S; i++) {
            act = (i % 5 == 0) ? "\"ssm:SendCommand\"" : "[\"s3:GetObject\",\"s3:PutObject\"]"
            res = (i % 5 == 0) ? "\"*\"" : sprintf("\"arn:aws:s3:::bücket-%d/𝒳/*\"", i)
            printf "%s%s%s{\"Sid\":%s\"S%d\",%s\"Effect\":%s\"Allow\",", (i ? "," : ""), nl, i2, sp, i, sp, sp
            printf "%s\"Action\":%s%s,%s\"Resource\":%s%s}", sp, sp, act, sp, sp, res
        }
        printf "%s%s]%s}%s", nl, i1, nl, nl
    }' >"$out/$1"
}

plan plan2000-oneline.json 2000 0 0
plan plan2000-indented.json 2000 0 1
plan plan7m-oneline.json 2000 24 0
plan plan7m-indented.json 2000 24 1
policy policy10k-oneline.json 10000 0
policy policy10k-indented.json 10000 1
