#!/usr/bin/env bash
# Draws docs/images/vcd.png (docs/WAVEFORMS.md): GTKWave showing the
# waveform of tests/firmware/hifive1/gpio_toggle.c on hifive1 (GPIO pins
# 3 and 5, the hart's privilege and sleep, the CLINT timer line that wakes
# it, UART0's TX line and its bytes as ASCII), the first millisecond.
#
#     tools/vcd_screenshot.sh [OUT.png]
#
# Needs gtkwave, xvfb-run and ImageMagick's `import`
# (`tools/setup.sh --with-pictures`); no display: GTKWave runs on a
# virtual X server, a Tcl script picks the signals and the zoom, and the
# screen is captured once it has had time to draw.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$top/docs/images/vcd.png}")
for tool in gtkwave xvfb-run import; do
  command -v "$tool" >/dev/null ||
    { echo "vcd_screenshot: $tool is missing (tools/setup.sh --with-pictures)" >&2; exit 1; }
done

ninja -C "$top" build/mcusim build/fw/hifive1/gpio_toggle.elf >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$top" && MCUSIM_BOARDS="$top/boards.yaml" build/mcusim \
   --board tests/firmware/boards/hifive1-test.yaml:hifive1-test \
   --vcd "$work/demo.vcd" \
   --vcd-signals 'gpio0.pin3,gpio0.pin5,cpu.*,irq.clint.mti,uart0.tx,uart0.tx_byte' \
   build/fw/hifive1/gpio_toggle.elf >/dev/null)

cat >"$work/show.tcl" <<'EOF'
gtkwave::addSignalsFromList {mcusim.gpio0.pin3 mcusim.gpio0.pin5 mcusim.cpu.priv mcusim.cpu.sleep mcusim.irq.clint.mti mcusim.uart0.tx mcusim.uart0.tx_byte}
gtkwave::highlightSignalsFromList {mcusim.uart0.tx_byte[7:0]}
gtkwave::/Edit/Data_Format/ASCII
gtkwave::/Edit/UnHighlight_All
gtkwave::/Edit/Set_Trace_Max_Hier 0
gtkwave::setZoomRangeTimes 0 1000000000
EOF
# GTKWave reads .gtkwaverc from the folder it starts in.
printf 'initial_window_x 1200\ninitial_window_y 330\nhide_sst 1\n' >"$work/.gtkwaverc"

cd "$work"
xvfb-run -a -s "-screen 0 1200x330x24" bash -c '
  gtkwave -S show.tcl demo.vcd >gtkwave.log 2>&1 &
  pid=$!
  sleep 6
  import -window root shot.png
  kill "$pid"'
mkdir -p "$(dirname "$out")"
cp shot.png "$out"
echo "vcd_screenshot: wrote $out"
