/* Which board a run uses: a shipped board by name or FILE.yaml[:NAME],
 * with `extends:` resolved against the shipped boards and `--set`
 * overrides applied; and the text forms of --list-boards and
 * --describe-board. */
#ifndef SIM_BOARD_CHOICE_H
#define SIM_BOARD_CHOICE_H

#include <stdio.h>

#include "sim/cpu/cpu.h"
#include "soc/board.h"
#include "soc/clock.h"
#include "soc/error.h"

/* The shipped boards.yaml: $MCUSIM_BOARDS, else next to the source tree
 * the executable was built in (build/mcusim -> boards.yaml). Malloc'd. */
char *boards_shipped_path(void);

/* Loads the file `spec` names, resolving only the board it names (and the
 * boards that one extends; the whole file's YAML and board names are still
 * checked), then applies the --set options; *board points into the
 * returned file, which the caller frees. */
BoardFile *board_choose(const char *spec, const char *const *sets,
                        size_t nsets, BoardDesc **board, Error **errp);

bool boards_list_shipped(FILE *out, Error **errp);

/* The hart the board's `cpu:` describes, keeping time on `clock`: the
 * reset pc is 0 when the board leaves it to the ELF entry. */
void board_cpu_config(const BoardDesc *board, Clock *clock, CpuConfig *out);

/* The board as resolved: cpu, memories, peripherals with their sizes,
 * properties and interrupt wiring. */
void board_describe(FILE *out, const BoardDesc *board);
/* One line per peripheral: name, type, range, properties, interrupts. */
void board_describe_peripherals(FILE *out, const BoardDesc *board);

#endif
