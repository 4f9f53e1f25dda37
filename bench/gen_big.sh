#!/bin/sh
# Generates one huge IaC file of about SIZE_MB megabytes, in which every
# role, policy, Sid and ARN is unique:
#
#     bench/gen_big.sh tfplan SIZE_MB OUT   # Terraform plan on one line
#     bench/gen_big.sh cfn SIZE_MB OUT      # CloudFormation template, YAML
#
# tfplan: `terraform show -json` output (one line, as Terraform writes it)
# with planned_values, resource_changes and configuration. Each unit is a
# role with a trust policy and an inline policy, a customer managed policy
# of 8 statements, and the attachment of one to the other, whose policy ARN
# is unknown until apply (after_unknown, and a reference in configuration).
# In every 50th unit the last statement allows ssm:SendCommand on any
# document, which the built-in rules report.
# Every policy is JSON text in a string, as in real plans, and is written
# twice (planned_values and resource_changes).
#
# cfn: a template in YAML with short-form tags: per unit a bucket, a role
# whose name and policy use !Sub, !GetAtt, !Ref, !Join and !If, and a
# managed policy attached to it by !Ref.
set -eu
kind=${1:?usage: gen_big.sh tfplan|cfn SIZE_MB OUT}
size=${2:?usage: gen_big.sh tfplan|cfn SIZE_MB OUT}
out=${3:?usage: gen_big.sh tfplan|cfn SIZE_MB OUT}

case $kind in
tfplan)
    # Each unit adds to three sections, written to files of their own and
    # joined at the end (appending to one awk string would be quadratic).
    parts=$(mktemp -d)
    trap 'rm -rf "$parts"' EXIT
    awk -v limit="$((size * 1000000))" -v dir="$parts" 'BEGIN {
        bytes = 200
        for (u = 0; bytes < limit; u++) {
            trust = sprintf("{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Sid\\\":\\\"Trust%d\\\",\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"AWS\\\":\\\"arn:aws:iam::%012.0f:root\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\",\\\"Condition\\\":{\\\"StringEquals\\\":{\\\"sts:ExternalId\\\":\\\"ext-%d\\\"}}}]}", u, 100000000000 + u, u)
            inline = sprintf("{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Sid\\\":\\\"Logs%d\\\",\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":[\\\"logs:CreateLogStream\\\",\\\"logs:PutLogEvents\\\"],\\\"Resource\\\":\\\"arn:aws:logs:eu-west-1:%012.0f:log-group:/app/svc-%d:*\\\"}]}", u, 100000000000 + u, u)
            pol = "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":["
            for (k = 0; k < 8; k++) {
                act = (k == 7) ? "\\\"ssm:SendCommand\\\"" : "[\\\"s3:GetObject\\\",\\\"s3:PutObject\\\",\\\"s3:ListBucket\\\"]"
                # Every 50th unit may run commands on any document: a finding.
                res = (k == 7 && u % 50 == 0) ? "\\\"*\\\"" \
                    : (k == 7) ? sprintf("\\\"arn:aws:ssm:eu-west-1:%012.0f:document/doc-%d\\\"", 100000000000 + u, u) \
                               : sprintf("[\\\"arn:aws:s3:::bucket-%d-%d\\\",\\\"arn:aws:s3:::bucket-%d-%d/*\\\"]", u, k, u, k)
                pol = pol sprintf("%s{\\\"Sid\\\":\\\"Unit%dStmt%d\\\",\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":%s,\\\"Resource\\\":%s}", k ? "," : "", u, k, act, res)
            }
            pol = pol "]}"
            role = sprintf("{\"assume_role_policy\":\"%s\",\"description\":\"role of service %d\",\"force_detach_policies\":false,\"inline_policy\":[{\"name\":\"logs-%d\",\"policy\":\"%s\"}],\"max_session_duration\":3600,\"name\":\"svc-%d\",\"path\":\"/\",\"permissions_boundary\":null,\"tags\":{\"team\":\"team-%d\"}}", trust, u, u, inline, u, u)
            mpol = sprintf("{\"description\":\"access of service %d\",\"name\":\"svc-%d-access\",\"path\":\"/\",\"policy\":\"%s\",\"tags\":null}", u, u, pol)
            att = sprintf("{\"role\":\"svc-%d\"}", u)
            s = sprintf("%s{\"address\":\"aws_iam_role.svc%d\",\"mode\":\"managed\",\"type\":\"aws_iam_role\",\"name\":\"svc%d\",\"provider_name\":\"registry.terraform.io/hashicorp/aws\",\"schema_version\":0,\"values\":%s,\"sensitive_values\":{\"inline_policy\":[{}],\"tags\":{}}}", u ? "," : "", u, u, role)
            s = s sprintf(",{\"address\":\"aws_iam_policy.svc%d\",\"mode\":\"managed\",\"type\":\"aws_iam_policy\",\"name\":\"svc%d\",\"provider_name\":\"registry.terraform.io/hashicorp/aws\",\"schema_version\":0,\"values\":%s,\"sensitive_values\":{}}", u, u, mpol)
            s = s sprintf(",{\"address\":\"aws_iam_role_policy_attachment.svc%d\",\"mode\":\"managed\",\"type\":\"aws_iam_role_policy_attachment\",\"name\":\"svc%d\",\"provider_name\":\"registry.terraform.io/hashicorp/aws\",\"schema_version\":0,\"values\":%s,\"sensitive_values\":{}}", u, u, att)
            printf "%s", s >(dir "/pv")
            c = sprintf("%s{\"address\":\"aws_iam_role.svc%d\",\"mode\":\"managed\",\"type\":\"aws_iam_role\",\"name\":\"svc%d\",\"provider_name\":\"registry.terraform.io/hashicorp/aws\",\"change\":{\"actions\":[\"create\"],\"before\":null,\"after\":%s,\"after_unknown\":{\"arn\":true,\"id\":true,\"unique_id\":true},\"before_sensitive\":false,\"after_sensitive\":{}}}", u ? "," : "", u, u, role)
            c = c sprintf(",{\"address\":\"aws_iam_policy.svc%d\",\"mode\":\"managed\",\"type\":\"aws_iam_policy\",\"name\":\"svc%d\",\"provider_name\":\"registry.terraform.io/hashicorp/aws\",\"change\":{\"actions\":[\"create\"],\"before\":null,\"after\":%s,\"after_unknown\":{\"arn\":true,\"id\":true,\"policy_id\":true},\"before_sensitive\":false,\"after_sensitive\":{}}}", u, u, mpol)
            c = c sprintf(",{\"address\":\"aws_iam_role_policy_attachment.svc%d\",\"mode\":\"managed\",\"type\":\"aws_iam_role_policy_attachment\",\"name\":\"svc%d\",\"provider_name\":\"registry.terraform.io/hashicorp/aws\",\"change\":{\"actions\":[\"create\"],\"before\":null,\"after\":%s,\"after_unknown\":{\"id\":true,\"policy_arn\":true},\"before_sensitive\":false,\"after_sensitive\":{}}}", u, u, att)
            printf "%s", c >(dir "/rc")
            g = sprintf("%s{\"address\":\"aws_iam_role.svc%d\",\"mode\":\"managed\",\"type\":\"aws_iam_role\",\"name\":\"svc%d\",\"provider_config_key\":\"aws\",\"expressions\":{\"name\":{\"constant_value\":\"svc-%d\"}},\"schema_version\":0}", u ? "," : "", u, u, u)
            g = g sprintf(",{\"address\":\"aws_iam_role_policy_attachment.svc%d\",\"mode\":\"managed\",\"type\":\"aws_iam_role_policy_attachment\",\"name\":\"svc%d\",\"provider_config_key\":\"aws\",\"expressions\":{\"policy_arn\":{\"references\":[\"aws_iam_policy.svc%d.arn\",\"aws_iam_policy.svc%d\"]},\"role\":{\"references\":[\"aws_iam_role.svc%d.name\",\"aws_iam_role.svc%d\"]}},\"schema_version\":0}", u, u, u, u, u, u)
            printf "%s", g >(dir "/cf")
            bytes += length(s) + length(c) + length(g)
        }
    }'
    {
        printf '{"format_version":"1.2","terraform_version":"1.8.0","planned_values":{"root_module":{"resources":['
        cat "$parts/pv"
        printf ']}},"resource_changes":['
        cat "$parts/rc"
        printf '],"configuration":{"provider_config":{"aws":{"name":"aws","full_name":"registry.terraform.io/hashicorp/aws"}},"root_module":{"resources":['
        cat "$parts/cf"
        printf ']}}}\n'
    } >"$out"
    ;;
cfn)
    awk -v limit="$((size * 1000000))" 'BEGIN {
        print "AWSTemplateFormatVersion: '"'"'2010-09-09'"'"'\nConditions:\n  IsProd: !Equals [!Ref AWS::AccountId, '"'"'111111111111'"'"']\nResources:"
        bytes = 100
        for (r = 0; bytes < limit; r++) {
            s = sprintf("  Bucket%d:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '"'"'${AWS::StackName}-data-%d'"'"'\n" \
                "  Role%d:\n    Type: AWS::IAM::Role\n    Properties:\n" \
                "      RoleName: !Sub '"'"'${AWS::StackName}-role-%d'"'"'\n" \
                "      AssumeRolePolicyDocument: {Version: '"'"'2012-10-17'"'"', Statement: [{Sid: Trust%d, Effect: Allow, Action: '"'"'sts:AssumeRole'"'"', " \
                "Principal: {Service: ec2.amazonaws.com}}]}\n      Policies:\n" \
                "        - PolicyName: inline-%d\n          PolicyDocument:\n" \
                "            Version: \"2012-10-17\"\n            Statement:\n" \
                "              - Sid: Run%d\n                Effect: Allow\n                Action: [ssm:SendCommand, s3:GetObject]\n" \
                "                Resource:\n" \
                "                  - !Sub '"'"'arn:${AWS::Partition}:ssm:${AWS::Region}::document/doc-%d'"'"'\n" \
                "                  - !GetAtt Bucket%d.Arn\n" \
                "                  - !Join ['"'"''"'"', ['"'"'arn:aws:s3:::'"'"', !Ref Bucket%d, '"'"'/*'"'"']]\n" \
                "                Condition:\n" \
                "                  StringEquals: {'"'"'ssm:resourceTag/Env'"'"': !If [IsProd, prod-%d, dev-%d]}\n" \
                "  Access%d:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n" \
                "      ManagedPolicyName: !Sub '"'"'${AWS::StackName}-access-%d'"'"'\n" \
                "      Roles: [!Ref Role%d]\n      PolicyDocument:\n        Version: '"'"'2012-10-17'"'"'\n        Statement:\n" \
                "          - Sid: Read%d\n            Effect: Allow\n            Action: ['"'"'s3:GetObject'"'"', '"'"'s3:ListBucket'"'"']\n" \
                "            Resource: [!GetAtt Bucket%d.Arn, !Sub '"'"'${Bucket%d.Arn}/reports-%d/*'"'"']\n" \
                "          - Sid: Write%d\n            Effect: Allow\n            Action: '"'"'s3:PutObject'"'"'\n" \
                "            Resource: !Sub '"'"'arn:aws:s3:::${Bucket%d}/incoming-%d/*'"'"'",
                r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r)
            print s
            bytes += length(s) + 1
        }
    }' >"$out"
    ;;
*)
    echo "gen_big: unknown kind $kind (tfplan or cfn)" >&2
    exit 2
    ;;
esac
