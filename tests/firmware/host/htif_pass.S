#include "htif_common.h"
HTIF_PROGRAM(1)
    .data
message: .asciz "htif console\n"
