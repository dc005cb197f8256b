/* The console tests' busy firmware (tests/console/run_console.py): spins
 * forever without wfi, output or any device access, so no clock event is
 * ever scheduled and only run control (`step`, `run-for`, `stop`, a
 * scenario) decides where it stops. */
int main(void)
{
    for (;;)
        __asm__ volatile("");
}
