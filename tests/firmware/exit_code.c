/* main's return value becomes the simulator's exit status. */
#include <stdio.h>

int main(void)
{
    puts("exiting with status 3");
    return 3;
}
