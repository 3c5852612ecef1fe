/*
 * metrics: the table's rows and the Prometheus text (see header).
 */
#include "metrics.h"

static const struct sg_metric_info rows[SG_METRIC_COUNT] = {
#define SG_METRIC_ROW(id, type, name, help) [SG_M_##id] = {type, name, help},
    SG_METRICS(SG_METRIC_ROW)
#undef SG_METRIC_ROW
};

const struct sg_metric_info *sg_metric_info(enum sg_metric id)
{
    return &rows[id];
}

void sg_metrics_read(struct sg_metrics *m, struct sg_metrics_snapshot *into)
{
    for (int i = 0; i < SG_METRIC_COUNT; i++)
        into->v[i] += atomic_load_explicit(&m->v[i], memory_order_relaxed);
}

static const char *type_name(enum sg_metric_type t)
{
    switch (t) {
    case SG_METRIC_GAUGE:
        return "gauge";
    case SG_METRIC_HISTOGRAM:
        return "histogram";
    case SG_METRIC_COUNTER:
    case SG_METRIC_LABELLED:
        break;
    }
    return "counter";
}

int sg_metrics_write(struct sg_buf *out, const struct sg_metrics_snapshot *s,
                     sg_metrics_samples_fn samples, void *ctx)
{
    int rc = 0;
    for (int i = 0; i < SG_METRIC_COUNT && rc == 0; i++) {
        const struct sg_metric_info *r = &rows[i];
        rc |= sg_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", r->name, r->help, r->name,
                            type_name(r->type));
        if (r->type == SG_METRIC_COUNTER || r->type == SG_METRIC_GAUGE)
            rc |= sg_buf_printf(out, "%s %llu\n", r->name, (unsigned long long)s->v[i]);
        else
            rc |= samples(ctx, (enum sg_metric)i, out);
    }
    return rc;
}
