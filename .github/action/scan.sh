#!/usr/bin/env bash
# The scan step of action.yml. Inputs come from the environment, never from
# text pasted into the script, so no input can inject shell code:
#   INPUT_PATHS      files and folders, one per line, or on one line separated by
#                    spaces (default ".")
#   INPUT_CONFIG     configuration file, or empty for .iamguard.yml when present
#   INPUT_FAIL_ON    none|note|warning|error, or empty for the configuration's fail_on
#   INPUT_CATEGORY   SARIF automationDetails.id
#   INPUT_RULES      rule folders, as INPUT_PATHS
#   INPUT_ARGS       more scan options, split like a shell would split them (quotes
#                    work; nothing is expanded or run)
#   INPUT_SARIF_FILE where to write the report (default iamguard.sarif)
#   IAMGUARD         the command (default: iamguard on PATH)
# Writes sarif-file and exit-code to $GITHUB_OUTPUT and always exits 0: the
# report must be uploaded before the job fails (see the last step of action.yml).
set -uo pipefail

iamguard=${IAMGUARD:-iamguard}
sarif=${INPUT_SARIF_FILE:-iamguard.sarif}
output=${GITHUB_OUTPUT:-/dev/null}

# split NAME TEXT: a list in the array NAME. Text on several lines gives one
# item per line (so names may hold spaces); text on one line, one per word.
split() {
    local -n into=$1
    local line
    into=()
    if [[ $2 == *$'\n'* ]]; then
        while IFS= read -r line; do
            line=${line#"${line%%[![:space:]]*}"}
            line=${line%"${line##*[![:space:]]}"}
            [ -n "$line" ] && into+=("$line")
        done <<<"$2"
    else
        read -ra into <<<"$2"
    fi
}

split paths "${INPUT_PATHS:-.}"
[ ${#paths[@]} -gt 0 ] || paths=(.)
split rule_dirs "${INPUT_RULES:-}"
extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
    # xargs splits with shell quoting rules and runs nothing but printf.
    if ! words=$(printf '%s' "$INPUT_ARGS" | xargs -r -n 1 printf '%s\n'); then
        echo "::error title=iamguard::cannot split 'args': check its quotes"
        echo "exit-code=2" >>"$output"
        echo "sarif-file=" >>"$output"
        exit 0
    fi
    mapfile -t extra <<<"$words"
fi

# Only a report this run wrote may be uploaded: an earlier one at the same
# path (a previous step, a cached workspace) is removed first, so a scan that
# stops before writing leaves no file behind to be mistaken for its report.
rm -f -- "$sarif"
sarif_dir=$(dirname -- "$sarif")
if ! mkdir -p -- "$sarif_dir"; then
    echo "::error title=iamguard::cannot create the folder of sarif-file '$sarif'"
    echo "exit-code=2" >>"$output"
    echo "sarif-file=" >>"$output"
    exit 0
fi

args=(scan --format sarif --output "$sarif" --color never)
[ -n "${INPUT_FAIL_ON:-}" ] && args+=(--fail-on "$INPUT_FAIL_ON")
[ -n "${INPUT_CATEGORY:-}" ] && args+=(--sarif-category "$INPUT_CATEGORY")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
for d in "${rule_dirs[@]}"; do args+=(--rules "$d"); done

echo "iamguard ${args[*]} ${extra[*]} -- ${paths[*]}"
"$iamguard" "${args[@]}" "${extra[@]}" -- "${paths[@]}"
status=$?
echo "exit-code=$status" >>"$output"
if [ -f "$sarif" ]; then
    echo "sarif-file=$sarif" >>"$output"
else
    echo "sarif-file=" >>"$output"
fi
exit 0
