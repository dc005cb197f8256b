/* The command line's observers (sim/observers.h). */
#include "sim/observers.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/coverage.h"
#include "sim/profile.h"
#include "sim/vcd.h"
#include "soc/alloc.h"

struct Observers {
    ObserverConfig config;
    Vcd *vcd;
    Profile *profile;
    ProfileOutputs *profile_outputs;
    Coverage *coverage;
    OutputFile *coverage_out;
};

static bool profiling(const ObserverConfig *c)
{
    return c->nprofiles || c->profile_report;
}

static bool open_files(Observers *o, Error **errp)
{
    const ObserverConfig *c = &o->config;
    if (c->vcd && !(o->vcd = vcd_open(c->vcd, c->vcd_signals, c->inputs, c->ninputs, errp)))
        return false;
    if (c->nprofiles && !(o->profile_outputs = profile_outputs_open(
                              c->profiles, c->nprofiles, c->inputs, c->ninputs, errp))) {
        error_prepend(errp, "--profile: ");
        return false;
    }
    if (c->coverage &&
        !(o->coverage_out = output_file_open(c->coverage, c->inputs, c->ninputs, errp))) {
        error_prepend(errp, "--coverage: ");
        return false;
    }
    return true;
}

Observers *observers_open(const ObserverConfig *config, Error **errp)
{
    Observers *o = xcalloc(1, sizeof *o);
    o->config = *config;
    if (!open_files(o, errp)) {
        observers_free(o);
        return NULL;
    }
    return o;
}

void observers_machine_hooks(Observers *o, Clock *clock, MachineHooks *hooks)
{
    if (o->vcd)
        vcd_machine_hooks(o->vcd, clock, hooks); /* devices publish from create */
}

static bool attach_coverage(Observers *o, Cpu *cpu, Error **errp)
{
    o->coverage = coverage_new(o->config.firmware, errp);
    if (!o->coverage || !coverage_attach(o->coverage, cpu, errp)) {
        error_prepend(errp, "--coverage: ");
        return false;
    }
    return true;
}

bool observers_attach(Observers *o, Cpu *cpu, const ElfSymbols *syms, Error **errp)
{
    if (o->vcd && !vcd_attach_cpu(o->vcd, cpu, errp))
        return false;
    if (profiling(&o->config) && !(o->profile = profile_new(cpu, syms, errp)))
        return false;
    return !o->config.coverage || attach_coverage(o, cpu, errp);
}

static bool finish_profile(Observers *o)
{
    profile_stop(o->profile);
    if (o->config.profile_report)
        profile_write_report(o->profile, stderr, o->config.profile_report);
    Error *err = NULL;
    if (!o->profile_outputs ||
        profile_outputs_write(o->profile_outputs, o->profile, o->config.firmware, &err))
        return true;
    fprintf(stderr, "mcusim: --profile %s\n", error_message(err));
    error_free(err);
    return false;
}

static bool write_coverage(void *coverage, FILE *out)
{
    return coverage_write_lcov(coverage, out);
}

static bool finish_coverage(Observers *o)
{
    Error *err = NULL;
    if (!output_file_write(o->coverage_out, write_coverage, o->coverage, &err)) {
        fprintf(stderr, "mcusim: --coverage %s: %s\n", o->config.coverage, error_message(err));
        error_free(err);
        return false;
    }
    uint64_t foreign = coverage_foreign_blocks(o->coverage);
    if (foreign)
        fprintf(stderr, "mcusim: --coverage: left out %llu block%s whose code was not "
                "the ELF's (the firmware changed it)\n", (unsigned long long)foreign,
                foreign == 1 ? "" : "s");
    return true;
}

static bool finish_vcd(Observers *o)
{
    Error *err = NULL;
    if (vcd_finish(o->vcd, stderr, &err))
        return true;
    fprintf(stderr, "mcusim: %s\n", error_message(err));
    error_free(err);
    return false;
}

bool observers_finish(Observers *o)
{
    bool ok = true;
    if (o->profile)
        ok = finish_profile(o) && ok;
    if (o->coverage)
        ok = finish_coverage(o) && ok;
    if (o->vcd)
        ok = finish_vcd(o) && ok;
    observers_detach(o);
    return ok;
}

void observers_detach(Observers *o)
{
    if (!o)
        return;
    profile_free(o->profile);
    o->profile = NULL;
    coverage_free(o->coverage);
    o->coverage = NULL;
    vcd_stop(o->vcd);
}

void observers_free(Observers *o)
{
    if (!o)
        return;
    observers_detach(o);
    profile_outputs_free(o->profile_outputs);
    output_file_free(o->coverage_out);
    vcd_free(o->vcd);
    free(o);
}
