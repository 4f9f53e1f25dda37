#!/usr/bin/env bash
# The last step of action.yml: fail the job by iamguard's exit status, after
# the report was uploaded. EXIT_CODE and FAIL_ON come from the environment.
set -u
case "${EXIT_CODE:-}" in
0) echo "iamguard: no findings at or above '${FAIL_ON:-the configured level}'" ;;
1) echo "::error title=iamguard::findings at or above '${FAIL_ON:-the configured level}': see the log above or the code scanning alerts"
   exit 1 ;;
3) echo "::error title=iamguard::some input could not be read or parsed, or a rule failed: the report covers everything else (see the log above)"
   exit 3 ;;
2) echo "::error title=iamguard::iamguard could not run: check the inputs and the configuration file (see the log above)"
   exit 2 ;;
*) echo "::error title=iamguard::the scan did not run (exit status '${EXIT_CODE:-}')"
   exit 2 ;;
esac
