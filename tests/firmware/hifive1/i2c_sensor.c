/* An LM75B temperature sensor at 0x48 behind the FE310-G002's I2C master
 * (tests/firmware/boards/hifive1-i2c.yaml), driven as a vendor driver
 * does it (freedom-metal's sifive_i2c0): byte accesses to the OpenCores
 * registers at a 4-byte stride (FE310-G002 Manual, I2C chapter), the
 * prescaler for 100 kHz at the 16 MHz bus clock with the core disabled,
 * then per byte: txr, a command in cr, poll sr.tip, check sr.rxack.
 * It reads the temperature (pointer 0, repeated START, two bytes, the
 * last NACKed), conf and tos, writes tos and reads it back, takes the
 * transfer-done interrupt through PLIC source 52 (claimed by polling),
 * and addresses 0x50, where nothing answers: rxack shows the NACK. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define I2C0_BASE 0x10016000u
#define I2C_PRER_LO 0x00
#define I2C_PRER_HI 0x04
#define I2C_CTR 0x08
#define I2C_TXR_RXR 0x0c /* write: txr, read: rxr */
#define I2C_CR_SR 0x10   /* write: cr, read: sr */
#define CTR_EN 0x80u
#define CTR_IEN 0x40u
#define CR_STA 0x80u
#define CR_STO 0x40u
#define CR_RD 0x20u
#define CR_WR 0x10u
#define CR_ACK 0x08u /* 1: NACK the byte read */
#define CR_IACK 0x01u
#define SR_RXACK 0x80u
#define SR_BUSY 0x40u
#define SR_TIP 0x02u
#define SR_IF 0x01u

#define I2C_HZ 100000u
#define SCL_CYCLES (CPU_HZ / I2C_HZ) /* the bus clock is the CPU's */
#define SRC_I2C0 52

#define LM75 0x48u
#define NOBODY 0x50u
#define LM75_TEMP 0x00
#define LM75_CONF 0x01
#define LM75_TOS 0x03

#define REG8(off) (*(volatile uint8_t *)(uintptr_t)(I2C0_BASE + (off)))

/* Waits for the transfer to end (a bounded poll, as drivers time out);
 * returns sr. */
static uint8_t wait_transfer(void)
{
    for (int i = 0; i < 100000; i++) {
        uint8_t sr = REG8(I2C_CR_SR);
        if (!(sr & SR_TIP))
            return sr;
    }
    printf("timeout: sr.tip never cleared\n");
    board_exit(3);
}

/* START and the address byte; true when a target acknowledged. */
static int i2c_address(uint8_t addr, int read)
{
    REG8(I2C_TXR_RXR) = (uint8_t)(addr << 1 | (read ? 1 : 0));
    REG8(I2C_CR_SR) = CR_STA | CR_WR;
    return !(wait_transfer() & SR_RXACK);
}

static int i2c_write(uint8_t byte, int stop)
{
    REG8(I2C_TXR_RXR) = byte;
    REG8(I2C_CR_SR) = CR_WR | (stop ? CR_STO : 0);
    return !(wait_transfer() & SR_RXACK);
}

/* The last byte is NACKed and followed by a STOP. */
static uint8_t i2c_read(int last)
{
    REG8(I2C_CR_SR) = CR_RD | (last ? CR_ACK | CR_STO : 0);
    wait_transfer();
    return REG8(I2C_TXR_RXR);
}

static void expect_ack(int acked, const char *what)
{
    if (acked)
        return;
    printf("%s: not acknowledged\n", what);
    board_exit(4);
}

/* Pointer write, repeated START, n bytes read. */
static void lm75_read(uint8_t pointer, uint8_t *out, int n)
{
    expect_ack(i2c_address(LM75, 0), "address write");
    expect_ack(i2c_write(pointer, 0), "pointer");
    expect_ack(i2c_address(LM75, 1), "address read");
    for (int i = 0; i < n; i++)
        out[i] = i2c_read(i == n - 1);
}

static uint16_t lm75_read16(uint8_t pointer)
{
    uint8_t b[2];
    lm75_read(pointer, b, 2);
    return (uint16_t)(b[0] << 8 | b[1]);
}

/* "23.500" from the 11-bit two's complement in bits 15:5, 1/8 degree. */
static void print_celsius(uint16_t raw)
{
    int eighths = (int16_t)raw / 32;
    int sign = eighths < 0;
    unsigned mag = (unsigned)(sign ? -eighths : eighths);
    printf("%s%u.%03u C", sign ? "-" : "", mag / 8, mag % 8 * 125);
}

int main(void)
{
    printf("reset: prer 0x%02x%02x ctr 0x%02x sr 0x%02x\n", REG8(I2C_PRER_HI),
           REG8(I2C_PRER_LO), REG8(I2C_CTR), REG8(I2C_CR_SR));

    /* freedom-metal's set_baud_rate: prescale = clock / (5 * baud) - 1 */
    uint32_t prescale = CPU_HZ / (5 * I2C_HZ) - 1;
    REG8(I2C_CTR) &= ~CTR_EN;
    REG8(I2C_PRER_LO) = prescale & 0xff;
    REG8(I2C_PRER_HI) = (prescale >> 8) & 0xff;
    REG8(I2C_CTR) |= CTR_EN;
    printf("prescale %lu for 100 kHz: ctr 0x%02x\n", (unsigned long)prescale,
           REG8(I2C_CTR));

    /* one byte on the bus: 9 SCL periods (8 bits and the acknowledge) */
    REG8(I2C_TXR_RXR) = LM75 << 1;
    uint32_t start = read_mcycle();
    REG8(I2C_CR_SR) = CR_STA | CR_WR;
    uint8_t sr = wait_transfer();
    uint32_t took = read_mcycle() - start;
    printf("address 0x48: sr 0x%02x, rxack %u (ACK), %lu SCL periods\n", sr,
           (sr & SR_RXACK) ? 1u : 0u, (unsigned long)(took / SCL_CYCLES));
    expect_ack(i2c_write(LM75_TEMP, 0), "pointer");

    /* repeated START, the temperature in two bytes */
    expect_ack(i2c_address(LM75, 1), "address read");
    uint8_t msb = i2c_read(0);
    uint8_t lsb = i2c_read(1);
    uint16_t temp = (uint16_t)(msb << 8 | lsb);
    printf("temp 0x%04x = ", temp);
    print_celsius(temp);
    printf(", sr 0x%02x after the NACK and STOP\n", REG8(I2C_CR_SR));

    uint8_t conf;
    lm75_read(LM75_CONF, &conf, 1);
    uint16_t tos = lm75_read16(LM75_TOS);
    printf("conf 0x%02x tos 0x%04x = ", conf, tos);
    print_celsius(tos);
    printf("\n");

    /* tos to 60.5 degrees: pointer, MSByte, LSByte */
    expect_ack(i2c_address(LM75, 0), "address write");
    expect_ack(i2c_write(LM75_TOS, 0), "pointer");
    expect_ack(i2c_write(0x3c, 0), "tos msb");
    expect_ack(i2c_write(0x80, 1), "tos lsb");
    tos = lm75_read16(LM75_TOS);
    printf("tos written 0x%04x = ", tos);
    print_celsius(tos);
    printf("\n");

    /* the transfer-done interrupt through the PLIC, claimed by polling */
    MMIO32(PLIC_PRIORITY(SRC_I2C0)) = 1;
    MMIO32(PLIC_ENABLE(SRC_I2C0 / 32)) = 1u << (SRC_I2C0 % 32);
    MMIO32(PLIC_THRESHOLD) = 0;
    REG8(I2C_CR_SR) = CR_IACK;
    REG8(I2C_CTR) = CTR_EN | CTR_IEN;
    uint32_t before = MMIO32(PLIC_CLAIM);
    i2c_address(LM75, 1);
    i2c_read(1);
    uint32_t claimed = MMIO32(PLIC_CLAIM);
    REG8(I2C_CR_SR) = CR_IACK;
    MMIO32(PLIC_CLAIM) = claimed;
    printf("irq: claim before %lu, after the transfer %lu, after iack %lu\n",
           (unsigned long)before, (unsigned long)claimed,
           (unsigned long)MMIO32(PLIC_CLAIM));
    REG8(I2C_CTR) = CTR_EN;

    /* nothing at 0x50: the address is not acknowledged */
    int acked = i2c_address(NOBODY, 0);
    sr = REG8(I2C_CR_SR);
    printf("address 0x50: sr 0x%02x, rxack %u (%s)\n", sr,
           (sr & SR_RXACK) ? 1u : 0u, acked ? "ACK" : "NACK: nothing there");
    REG8(I2C_CR_SR) = CR_STO | CR_IACK;
    while (REG8(I2C_CR_SR) & SR_BUSY)
        ;
    printf("after the STOP: sr 0x%02x\n", REG8(I2C_CR_SR));
    return 0;
}
