"""Planning: schedule runs, the active plan, dispatch lists, downtime, shop-floor reports."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView

from mcbackend.api.base import (
    ALL_ROLES,
    Blueprint,
    Schema,
    columns_of,
    current_principal,
    requires,
    session_factory,
    unit_of_work,
    utcnow,
)
from mcbackend.api.order_schemas import JobOut
from mcbackend.domain.auth import Role
from mcbackend.services import promising, scheduling
from mcbackend.services.orders import actor_label

blp = Blueprint("planning", __name__, url_prefix="/api/v1", description="Production planning")



class RunIn(Schema):
    time_limit_s = ma.fields.Float(
        load_default=lambda: float(current_app.config["SOLVER_TIME_LIMIT_S"]),
        validate=ma.validate.Range(0.5, scheduling.MAX_TIME_LIMIT_S),
    )
    workers = ma.fields.Integer(
        load_default=lambda: int(current_app.config["SOLVER_WORKERS"]),
        validate=ma.validate.Range(1, 16),
    )
    publish = ma.fields.Boolean(
        load_default=True, metadata={"description": "make it the active plan if it succeeds"}
    )


class RunOut(ma.Schema):
    id = ma.fields.Integer()
    plant_id = ma.fields.Integer()
    status = ma.fields.String(
        metadata={"description": "queued, running, succeeded, failed, published"}
    )
    trigger = ma.fields.String()
    publish = ma.fields.Boolean()
    time_limit_s = ma.fields.Float()
    workers = ma.fields.Integer()
    origin = ma.fields.AwareDateTime(allow_none=True)
    summary = ma.fields.Dict()
    solver_status = ma.fields.String(allow_none=True)
    objective = ma.fields.Float(allow_none=True)
    best_bound = ma.fields.Float(allow_none=True)
    gap = ma.fields.Float(allow_none=True)
    wall_s = ma.fields.Float(allow_none=True)
    makespan_minutes = ma.fields.Integer(allow_none=True)
    weighted_tardiness = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)
    plan_version = ma.fields.Integer(allow_none=True)
    requested_at = ma.fields.AwareDateTime()
    started_at = ma.fields.AwareDateTime(allow_none=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)
    published_at = ma.fields.AwareDateTime(allow_none=True)


class PlanRowOut(ma.Schema):
    operation_id = ma.fields.Integer()
    operation = ma.fields.String()
    operation_status = ma.fields.String()
    setup_family = ma.fields.String(allow_none=True)
    setup_change = ma.fields.Boolean()
    waiting_for_materials = ma.fields.Boolean(
        metadata={"description": "cannot start until the job's materials are received"}
    )
    job_id = ma.fields.Integer()
    unit_id = ma.fields.Integer(allow_none=True)
    order_id = ma.fields.Integer()
    order_reference = ma.fields.String()
    product = ma.fields.String()
    resource_id = ma.fields.Integer()
    resource = ma.fields.String()
    start = ma.fields.AwareDateTime()
    end = ma.fields.AwareDateTime()


class PlanOut(ma.Schema):
    plant_id = ma.fields.Integer()
    plan_version = ma.fields.Integer()
    run_id = ma.fields.Integer(allow_none=True)
    assignments = ma.fields.List(ma.fields.Nested(PlanRowOut))


class WindowQuery(Schema):
    start = ma.fields.AwareDateTime(metadata={"description": "from (default: everything open)"})
    end = ma.fields.AwareDateTime()


class DowntimeIn(Schema):
    start = ma.fields.AwareDateTime(required=True)
    end = ma.fields.AwareDateTime(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["planned", "breakdown"]))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(0, 500))
    reschedule = ma.fields.Boolean(
        load_default=False, metadata={"description": "queue a reschedule of the plant now"}
    )


class DowntimeOut(ma.Schema):
    id = ma.fields.Integer()
    resource_id = ma.fields.Integer()
    start = ma.fields.AwareDateTime()
    end = ma.fields.AwareDateTime()
    kind = ma.fields.String()
    reason = ma.fields.String()
    reschedule_run_id = ma.fields.Integer(allow_none=True)


class ReportIn(Schema):
    event = ma.fields.String(
        required=True, validate=ma.validate.OneOf(list(scheduling.REPORT_TRANSITIONS))
    )
    resource_id = ma.fields.Integer(metadata={"description": "where it runs (start only)"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(0, 1000))


class MaterialsIn(Schema):
    event = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["expected", "received"]),
        metadata={"description": "expected: purchasing's arrival date; received: they are here"},
    )
    expected_at = ma.fields.AwareDateTime(metadata={"description": "required with expected"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(0, 1000))

    @ma.validates_schema
    def _expected_needs_a_date(self, data, **kwargs) -> None:
        if data.get("event") == "expected" and "expected_at" not in data:
            raise ma.ValidationError("required when the event is expected", "expected_at")


class OperationStatusOut(ma.Schema):
    id = ma.fields.Integer()
    job_id = ma.fields.Integer()
    name = ma.fields.String()
    status = ma.fields.String()
    actual_resource_id = ma.fields.Integer(allow_none=True)
    started_at = ma.fields.AwareDateTime(allow_none=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)


def _queue(run) -> None:
    tasks = current_app.extensions["mcbackend.tasks"]
    tasks.submit(scheduling.execute_run, session_factory(), current_principal().tenant_id, run.id)


@blp.route("/plants/<int:plant_id>/schedule-runs")
class ScheduleRuns(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.paginate()
    @blp.response(200, RunOut(many=True))
    def get(self, plant_id: int, pagination_parameters):
        """The plant's schedule runs, newest first"""
        with unit_of_work() as uow:
            rows, total = scheduling.list_runs(
                uow, plant_id, pagination_parameters.page, pagination_parameters.page_size
            )
        pagination_parameters.item_count = total
        return rows

    @requires(Role.INTEGRATOR)
    @blp.arguments(RunIn)
    @blp.response(202, RunOut)
    def post(self, data, plant_id: int):
        """Queue a solve of the plant (one at a time per plant); poll the run for its result"""
        with unit_of_work() as uow:
            run = scheduling.request_run(uow, plant_id, data, "manual", utcnow())
        _queue(run)
        location = url_for("planning.ScheduleRunItem", run_id=run.id)
        return run, 202, {"Location": location}


@blp.route("/jobs/<int:job_id>")
class JobItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, JobOut)
    def get(self, job_id: int):
        """One production job with its operations (the job sheet's QR code opens this)"""
        with unit_of_work() as uow:
            return uow.jobs.get(job_id)


@blp.route("/jobs/<int:job_id>/materials")
class JobMaterials(MethodView):
    @requires(Role.INTEGRATOR, Role.SHOPFLOOR)
    @blp.arguments(MaterialsIn)
    @blp.response(200, JobOut)
    def post(self, data, job_id: int):
        """Report when a job's materials are expected, or that they were received"""
        with unit_of_work() as uow:
            actor = actor_label(f"key:{current_principal().key_id}")
            return scheduling.report_materials(uow, job_id, data, utcnow(), actor)


@blp.route("/schedule-runs/<int:run_id>")
class ScheduleRunItem(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(200, RunOut)
    def get(self, run_id: int):
        """A schedule run: status, objective, bound, gap, time used"""
        with unit_of_work() as uow:
            return uow.schedule_runs.get(run_id)


@blp.route("/schedule-runs/<int:run_id>/publish")
class ScheduleRunPublish(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(200, RunOut)
    def post(self, run_id: int):
        """Make a succeeded run the active plan; ETAs move and late orders get 'delayed'"""
        with unit_of_work() as uow:
            return scheduling.publish_run(uow, run_id, utcnow())


@blp.route("/schedule-runs/<int:run_id>/assignments")
class ScheduleRunAssignments(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, PlanRowOut(many=True))
    def get(self, run_id: int):
        """Every assignment of a run: operation, resource, start, end"""
        with unit_of_work() as uow:
            uow.schedule_runs.get(run_id)
            return scheduling.plan_rows(uow, run_id)


@blp.route("/plants/<int:plant_id>/plan")
class ActivePlan(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, PlanOut)
    def get(self, plant_id: int):
        """The plant's active (published) plan"""
        with unit_of_work() as uow:
            plant, rows = scheduling.active_plan(uow, plant_id)
            return {
                "plant_id": plant.id,
                "plan_version": plant.plan_version,
                "run_id": plant.active_run_id,
                "assignments": rows,
            }


@blp.route("/resources/<int:resource_id>/dispatch-list")
class DispatchList(MethodView):
    @requires(*ALL_ROLES)
    @blp.arguments(WindowQuery, location="query")
    @blp.response(200, PlanRowOut(many=True))
    def get(self, query, resource_id: int):
        """What this machine or person does next, in planned order, with setup changes"""
        with unit_of_work() as uow:
            return scheduling.dispatch_list(uow, resource_id, query.get("start"), query.get("end"))


@blp.route("/resources/<int:resource_id>/downtimes")
class Downtimes(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, DowntimeOut(many=True))
    def get(self, resource_id: int):
        """The resource's downtime windows"""
        with unit_of_work() as uow:
            return scheduling.list_downtimes(uow, resource_id)

    @requires(Role.INTEGRATOR, Role.SHOPFLOOR)
    @blp.arguments(DowntimeIn)
    @blp.response(201, DowntimeOut)
    def post(self, data, resource_id: int):
        """Report maintenance or a breakdown; with reschedule=true the plant is re-planned"""
        with unit_of_work() as uow:
            window = scheduling.add_downtime(uow, resource_id, data)
            run = None
            if data["reschedule"]:
                resource = uow.resources.get(resource_id)
                run = scheduling.request_run(
                    uow,
                    resource.plant_id,
                    {
                        "time_limit_s": float(current_app.config["SOLVER_TIME_LIMIT_S"]),
                        "workers": int(current_app.config["SOLVER_WORKERS"]),
                    },
                    "breakdown" if data["kind"] == "breakdown" else "manual",
                    utcnow(),
                )
        if run is not None:
            _queue(run)
        return {**columns_of(window), "reschedule_run_id": run.id if run else None}


class DueDateIn(Schema):
    product_id = ma.fields.Integer(required=True)
    version = ma.fields.Integer(validate=ma.validate.Range(min=1))
    configuration = ma.fields.Dict(keys=ma.fields.String(), required=True)
    quantity = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, 1000))
    time_limit_s = ma.fields.Float(load_default=1.5, validate=ma.validate.Range(0, 30))


class DueDateOut(ma.Schema):
    product_id = ma.fields.Integer()
    version = ma.fields.Integer()
    earliest_completion = ma.fields.String(metadata={"format": "date-time"})
    earliest_date = ma.fields.String(metadata={"format": "date"})
    method = ma.fields.String(metadata={"description": "dispatch or cp-sat"})
    plan_version = ma.fields.Integer()
    wall_ms = ma.fields.Integer()


@blp.route("/plants/<int:plant_id>/due-date-quote")
class DueDateQuote(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(DueDateIn)
    @blp.response(200, DueDateOut)
    def post(self, data, plant_id: int):
        """The earliest date a configuration can be made without moving committed orders"""
        with unit_of_work() as uow:
            return promising.due_date_quote(uow, plant_id, data, utcnow())


@blp.route("/operations/<int:operation_id>/report")
class OperationReport(MethodView):
    @requires(Role.SHOPFLOOR, Role.INTEGRATOR)
    @blp.arguments(ReportIn)
    @blp.response(200, OperationStatusOut)
    def post(self, data, operation_id: int):
        """Shop-floor report: start, pause, finish or scrap an operation"""
        with unit_of_work() as uow:
            actor = actor_label(f"key:{current_principal().key_id}")
            return scheduling.report_operation(uow, operation_id, data, utcnow(), actor)
