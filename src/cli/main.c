#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0)) {
        printf("iamguard %s\n", IAMG_VERSION);
        return 0;
    }
    fprintf(stderr, "usage: iamguard <command> [options]\n");
    return 2;
}
