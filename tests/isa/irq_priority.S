/* irq_priority: simultaneous interrupts (needs the CLINT and interrupts).
 *
 * With MSI and MTI both pending and enabled, enabling mstatus.MIE takes MSI
 * first (the spec's order: MEI > MSI > MTI), at the next instruction; its
 * handler clears msip and returns, and MTI is taken at once, before that
 * instruction runs (same mepc). With only MTIE enabled, MTI is taken and
 * MSI stays pending in mip. (MEI needs the PLIC: not covered.)
 */
#include "macros.h"
#include "irq.h"

#define WAIT 200000                 /* loop turns before giving up */

TEST_BEGIN "irq_priority"

    la a0, irq_handler
    csrw mtvec, a0
    li a0, MIP_MSIP | MIP_MTIP
    csrw mie, a0
    li a0, 1
    call msip_set
    call timer_past
    WAIT_MIP 1, MIP_MSIP, MIP_MSIP, WAIT
    WAIT_MIP 2, MIP_MTIP, MIP_MTIP, WAIT
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
.Lafter_mie:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 3, 2
    CHECK_IRQ 4, 0, CAUSE_MSI, .Lafter_mie
    CHECK_IRQ 6, 1, CAUSE_MTI, .Lafter_mie

    /* only MTIE: MTI taken, MSI left pending */
    li a0, MIP_MTIP
    csrw mie, a0
    li a0, 1
    call msip_set
    call timer_past
    WAIT_MIP 10, MIP_MSIP, MIP_MSIP, WAIT
    WAIT_MIP 11, MIP_MTIP, MIP_MTIP, WAIT
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
.Lafter_mie2:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 12, 1
    CHECK_IRQ 13, 0, CAUSE_MTI, .Lafter_mie2
    csrr a0, mip
    andi a0, a0, MIP_MSIP | MIP_MTIP
    CHECK 15, a0, MIP_MSIP
    /* then MSIE: MSI taken */
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
    li a0, MIP_MSIP
    csrs mie, a0
.Lafter_msie:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 16, 1
    CHECK_IRQ 17, 0, CAUSE_MSI, .Lafter_msie

    csrw mie, zero
    call timer_off
    la a0, trap_handler
    csrw mtvec, a0

TEST_END
IRQ_SUPPORT
