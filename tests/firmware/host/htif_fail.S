#include "htif_common.h"
HTIF_PROGRAM((5 << 1) | 1)
    .data
message: .asciz "test 5 fails\n"
