"""
crmkit's C++ engine. Use the crmkit package, which re-exports everything here.
"""
from __future__ import annotations
import collections.abc
import datetime
import numpy
import numpy.typing
import typing
class Error(Exception):
    ...
class NotFound(Error, KeyError):
    ...
class ValidationError(Error, ValueError):
    field: str | None
    row: int | None
class PermissionDenied(Error):
    ...
class Conflict(Error):
    ...
class RuleSyntaxError(Error):
    position: int
    line: int
    column: int
class WorkflowError(Error):
    ...
class StorageError(Error):
    ...
__all__: list[str] = ['ApprovalRequest', 'Approvals', 'Audit', 'AutoRules', 'BatchResult', 'Clock', 'Clv', 'ClvFit', 'Conflict', 'Contact', 'Contacts', 'ConvertResult', 'Crm', 'Customer', 'CustomerFacts', 'Customers', 'Delegation', 'Document', 'Documents', 'Error', 'Events', 'Facts', 'FieldDef', 'Fields', 'Groups', 'ImportReport', 'Imports', 'Interaction', 'Interactions', 'Lead', 'Leads', 'NotFound', 'Opportunities', 'Opportunity', 'Order', 'OrderItem', 'Orders', 'PermissionDenied', 'Pool', 'PoolRules', 'Problem', 'ReplayResult', 'Reports', 'RevisitPlan', 'Revisits', 'Rfm', 'Role', 'Roles', 'Route', 'RouteStep', 'RoutedApprover', 'RuleSyntaxError', 'SCHEMA_VERSION', 'Segment', 'SegmentDiff', 'Segments', 'Snapshot', 'Stages', 'StorageError', 'Table', 'Task', 'Tasks', 'Team', 'Teams', 'Ticket', 'Tickets', 'Transaction', 'User', 'Users', 'ValidationError', 'Verification', 'Workflow', 'WorkflowError', 'Workflows', 'log_level', 'normalize_phone', 'open', 'set_log_level']
class Table:
    """
    Columnar rows returned by the engine.
    """
    def __getitem__(self, key):
        ...
    def __init__(self) -> None:
        ...
    def __iter__(self):
        ...
    def __len__(self) -> int:
        ...
    def __repr__(self):
        ...
    def _raw(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> tuple[str, str, typing.Any, numpy.typing.NDArray[numpy.uint8]]:
        ...
    def column(self, name):
        """
        One column as a list of Python values.
        """
    def rows(self):
        """
        All rows as a list of dicts.
        """
    def to_pandas(self):
        """
        A DataFrame built column by column (times as UTC datetime64, NULLs as NA/NaT/None).
        """
    @property
    def column_types(self) -> dict:
        ...
    @property
    def columns(self) -> list:
        ...
class Team:
    """
    A team (a node of the organisation tree).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'name', 'parent_id', 'lead_id', 'created_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def lead_id(self) -> int | None:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def parent_id(self) -> int | None:
        ...
    @property
    def version(self) -> int:
        ...
class User:
    """
    A user of the CRM.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'login', 'name', 'email', 'role', 'team_id', 'manager_id', 'active', 'created_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def active(self) -> bool:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def email(self) -> str | None:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def login(self) -> str:
        ...
    @property
    def manager_id(self) -> int | None:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def role(self) -> str:
        ...
    @property
    def team_id(self) -> int | None:
        ...
    @property
    def version(self) -> int:
        ...
class Role:
    """
    A role: a scope per entity, and whether it approves or administers.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('name', 'scopes', 'approve', 'admin')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def admin(self) -> bool:
        ...
    @property
    def approve(self) -> bool:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def scopes(self) -> dict:
        ...
class Teams:
    """
    crm.teams: the organisation tree.
    """
    def add(self, name: str, parent: int | None = None, lead: int | None = None) -> Team:
        ...
    def by_name(self, name: str) -> Team:
        ...
    def get(self, team: int) -> Team:
        ...
    def list(self) -> Table:
        ...
    def move(self, team: int, parent: int | None) -> Team:
        ...
    def set_lead(self, team: int, lead: int | None) -> Team:
        ...
    def subtree(self, team: int) -> list[int]:
        ...
class Users:
    """
    crm.users: people who use the CRM.
    """
    def add(self, login: str, name: str, role: str = 'sales', team: int | None = None, manager: int | None = None, email: str | None = None) -> User:
        ...
    def get(self, user: typing.Any) -> User:
        """
        A user by id, record or login.
        """
    def list(self, team: int | None = None, role: str | None = None) -> Table:
        ...
    def managers(self, user: int) -> list[int]:
        ...
    def reports(self, user: int) -> list[int]:
        ...
    def update(self, user: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, **kwargs) -> User:
        ...
class Roles:
    """
    crm.roles: what each role may see and do.
    """
    def define(self, name: str, approve: bool | None = None, admin: bool | None = None, **kwargs) -> Role:
        """
        Define or redefine a role: roles.define('sales', customers='own', leads='team', approve=False).
        """
    def get(self, name: str) -> Role:
        ...
    def list(self) -> Table:
        ...
class FieldDef:
    """
    A custom field definition.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'entity', 'name', 'type', 'label', 'options', 'min', 'max', 'required')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def entity(self) -> str:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def label(self) -> str | None:
        ...
    @property
    def max(self) -> float | None:
        ...
    @property
    def min(self) -> float | None:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def options(self) -> list[str]:
        ...
    @property
    def required(self) -> bool:
        ...
    @property
    def type(self) -> str:
        ...
class Fields:
    """
    crm.fields: custom fields of customers, contacts, opportunities and leads.
    """
    def add(self, entity: str, name: str, type: str, options: collections.abc.Sequence[str] | None = None, min: typing.SupportsFloat | typing.SupportsIndex | None = None, max: typing.SupportsFloat | typing.SupportsIndex | None = None, required: bool = False, label: str | None = None) -> FieldDef:
        ...
    def get(self, entity: str, name: str) -> FieldDef:
        ...
    def list(self, entity: str | None = None) -> Table:
        ...
    def remove(self, entity: str, name: str) -> None:
        ...
class Stages:
    """
    crm.lifecycle / crm.pipeline: ordered, configurable stages.
    """
    def probabilities(self) -> list[tuple[str, float]]:
        """
        (name, probability) pairs, in order (pipeline stages).
        """
    def set_stages(self, stages: collections.abc.Iterable) -> None:
        ...
    def stages(self) -> list[str]:
        """
        The stage names, in order.
        """
class CustomerFacts:
    """
    A customer's derived facts (kept current by every write).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('last_contact_at', 'days_since_contact', 'interaction_count', 'order_count', 'lifetime_value', 'first_order_at', 'last_order_at', 'avg_satisfaction', 'open_tickets')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def avg_satisfaction(self) -> float | None:
        ...
    @property
    def days_since_contact(self) -> int | None:
        ...
    @property
    def first_order_at(self) -> datetime.datetime | None:
        ...
    @property
    def interaction_count(self) -> int:
        ...
    @property
    def last_contact_at(self) -> datetime.datetime | None:
        ...
    @property
    def last_order_at(self) -> datetime.datetime | None:
        ...
    @property
    def lifetime_value(self) -> float:
        ...
    @property
    def open_tickets(self) -> int:
        ...
    @property
    def order_count(self) -> int:
        ...
class Customer:
    """
    A customer record (an immutable snapshot).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'name', 'kind', 'industry', 'owner_id', 'source', 'phone', 'email', 'stage', 'tags', 'fields', 'created_by', 'created_at', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def avg_satisfaction(self) -> float | None:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def created_by(self) -> int | None:
        ...
    @property
    def days_since_contact(self) -> int | None:
        ...
    @property
    def email(self) -> str | None:
        ...
    @property
    def facts(self) -> CustomerFacts:
        ...
    @property
    def fields(self) -> dict[str, typing.Any]:
        ...
    @property
    def first_order_at(self) -> datetime.datetime | None:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def industry(self) -> str | None:
        ...
    @property
    def interaction_count(self) -> int:
        ...
    @property
    def kind(self) -> str:
        ...
    @property
    def last_contact_at(self) -> datetime.datetime | None:
        ...
    @property
    def last_order_at(self) -> datetime.datetime | None:
        ...
    @property
    def lifetime_value(self) -> float:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def open_tickets(self) -> int:
        ...
    @property
    def order_count(self) -> int:
        ...
    @property
    def owner_id(self) -> int | None:
        ...
    @property
    def phone(self) -> str | None:
        ...
    @property
    def source(self) -> str | None:
        ...
    @property
    def stage(self) -> str:
        ...
    @property
    def tags(self) -> list[str]:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class Contact:
    """
    A contact person of a customer.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'customer_id', 'name', 'title', 'phone', 'email', 'fields', 'created_at', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def customer_id(self) -> int:
        ...
    @property
    def email(self) -> str | None:
        ...
    @property
    def fields(self) -> dict[str, typing.Any]:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def phone(self) -> str | None:
        ...
    @property
    def title(self) -> str | None:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class Customers:
    """
    crm.customers: customer records, tags, stages and history.
    """
    def add(self, **kwargs) -> Customer:
        """
        add(name=..., kind='company', industry=None, owner=None, source=None, phone=None, email=None, stage=None, tags=None, fields=None) -> Customer
        """
    def add_many(self, rows: collections.abc.Iterable) -> list[int]:
        """
        Adds all rows in one transaction (all or nothing); returns their ids.
        """
    def count(self, name_contains: str | None = None, tag: str | None = None, owner: int | None = None, team: int | None = None, stage: str | None = None, industry: str | None = None, kind: str | None = None, source: str | None = None, pool: bool = False, where: str | None = None) -> int:
        ...
    def delete(self, customer: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None) -> None:
        ...
    def duplicate_scan(self, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.8) -> dict:
        """
        duplicates() with its work: a dict with 'pairs' (how many), 'candidates' (candidate pairs scored) and 'customers' (how many were considered).
        """
    def duplicates(self, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.8) -> Table:
        """
        Pairs of customers in scope that look like one: a Table (customer_id, other_id, score, rule, name, other_name), best first. rule: 'phone' or 'email' (score 1) or 'name' (company-name similarity >= threshold). Raises ValidationError unless 0 < threshold <= 1.
        """
    def find(self, name_contains: str | None = None, tag: str | None = None, owner: int | None = None, team: int | None = None, stage: str | None = None, industry: str | None = None, kind: str | None = None, source: str | None = None, pool: bool = False, after: int | None = None, limit: int | None = None, offset: int = 0, where: str | None = None) -> Table:
        ...
    def get(self, customer: int) -> Customer:
        ...
    def history(self, customer: int) -> Table:
        ...
    def merge(self, keep: int, drop: int) -> Customer:
        """
        Merges customer `drop` into `keep`: moves contacts, interactions, tasks, tickets, orders, opportunities, tags, group memberships and history, recomputes the facts, records the merge in both histories and the change feed, deletes `drop`. Returns the kept Customer. Raises ValidationError (the same customer), NotFound, PermissionDenied (outside the view's scope), Conflict (locked by a pending approval).
        """
    def set_stage(self, customer: int, stage: str) -> Customer:
        ...
    def tag(self, customer: int, tag: str) -> Customer:
        ...
    def untag(self, customer: int, tag: str) -> Customer:
        ...
    def update(self, customer: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, **kwargs) -> Customer:
        ...
class Contacts:
    """
    crm.contacts: the people at a customer.
    """
    def add(self, customer: int, **kwargs) -> Contact:
        """
        add(customer, name=..., title=None, phone=None, email=None, fields=None)
        """
    def delete(self, contact: int) -> None:
        ...
    def get(self, contact: int) -> Contact:
        ...
    def list(self, customer: int) -> Table:
        ...
    def update(self, contact: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, **kwargs) -> Contact:
        ...
class Snapshot:
    """
    Who was in a segment at one moment.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'segment', 'taken_at', 'count')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def count(self) -> int:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def segment(self) -> str:
        ...
    @property
    def taken_at(self) -> datetime.datetime:
        ...
class SegmentDiff:
    """
    Who entered and who left since a snapshot.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('segment', 'since', 'entered', 'left')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def entered(self) -> list[int]:
        ...
    @property
    def left(self) -> list[int]:
        ...
    @property
    def segment(self) -> str:
        ...
    @property
    def since(self) -> int:
        ...
class Segment:
    """
    A saved segment: a named rule re-evaluated on every read.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'name', 'rule', 'created_at', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def count(self, engine: str = 'auto') -> int:
        ...
    def explain(self, customer: int) -> Table:
        ...
    def ids(self, engine: str = 'auto') -> list[int]:
        ...
    def members(self, limit: int | None = None, offset: int = 0) -> Table:
        ...
    def snapshot(self) -> Snapshot:
        ...
    def to_dict(self):
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def rule(self) -> str:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class Segments:
    """
    crm.segments: saved rule-based segments.
    """
    def contains(self, name: str, customer: int) -> bool:
        ...
    def count(self, name: str, engine: str = 'auto') -> int:
        ...
    def count_rule(self, rule: str, engine: str = 'auto') -> int:
        ...
    def define(self, name: str, rule: str) -> Segment:
        ...
    def diff(self, name: str, since: int | None = None) -> SegmentDiff:
        """
        Who entered and left since a snapshot (default: the latest).
        """
    def evaluate(self, rule: str, limit: int | None = None, offset: int = 0) -> Table:
        """
        Evaluates an ad hoc rule; the matching customers as a Table.
        """
    def explain(self, name: str, customer: int) -> Table:
        ...
    def get(self, name: str) -> Segment:
        ...
    def ids(self, name: str, engine: str = 'auto') -> list[int]:
        """
        Member ids, ascending; engine='auto' (the default: the in-memory columns once loaded, SQL while they are cold), 'columns' or 'sql'.
        """
    def ids_rule(self, rule: str, engine: str = 'auto') -> list[int]:
        ...
    def list(self) -> Table:
        ...
    def members(self, name: str, limit: int | None = None, offset: int = 0) -> Table:
        ...
    def redefine(self, name: str, rule: str) -> Segment:
        ...
    def remove(self, name: str) -> None:
        ...
    def snapshot(self, name: str) -> Snapshot:
        ...
    def snapshots(self, name: str) -> Table:
        ...
    def store_status(self) -> dict:
        """
        Diagnostics of the engine's in-memory segment columns: whether they exist, how often they loaded, and how many answers came from SQL while cold and from the columns.
        """
class Groups:
    """
    crm.groups: static lists of customers.
    """
    def add(self, name: str) -> int:
        ...
    def add_members(self, name: str, customers: collections.abc.Iterable) -> int:
        ...
    def ids(self, name: str) -> list[int]:
        ...
    def list(self) -> Table:
        ...
    def members(self, name: str) -> Table:
        ...
    def remove(self, name: str) -> None:
        ...
    def remove_members(self, name: str, customers: collections.abc.Iterable) -> int:
        ...
class AutoRules:
    """
    crm.autotags / crm.autostages: rules that own a tag or a stage.
    """
    def add(self, target: str, rule: str) -> None:
        ...
    def apply(self) -> dict:
        """
        Brings tags/stages in line with the rules; {target: {'added': n, 'removed': m}}.
        """
    def list(self) -> Table:
        ...
    def remove(self, target: str) -> None:
        ...
class Rfm:
    """
    crm.rfm: recency, frequency, monetary scores.
    """
    def score(self, asof: datetime.datetime | datetime.date | str | None = None) -> Table:
        ...
class ClvFit:
    """
    A fitted BG/NBD + Gamma-Gamma model.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('r', 'alpha', 'a', 'b', 'log_likelihood', 'converged', 'p', 'q', 'v', 'spend_log_likelihood', 'time_unit', 'asof', 'customers')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def a(self) -> float:
        ...
    @property
    def alpha(self) -> float:
        ...
    @property
    def asof(self) -> datetime.datetime:
        ...
    @property
    def b(self) -> float:
        ...
    @property
    def converged(self) -> bool:
        ...
    @property
    def customers(self) -> int:
        ...
    @property
    def log_likelihood(self) -> float:
        ...
    @property
    def p(self) -> float | None:
        ...
    @property
    def q(self) -> float | None:
        ...
    @property
    def r(self) -> float:
        ...
    @property
    def spend_log_likelihood(self) -> float | None:
        ...
    @property
    def time_unit(self) -> str:
        ...
    @property
    def v(self) -> float | None:
        ...
class Clv:
    """
    crm.clv: customer lifetime value (BG/NBD + Gamma-Gamma).
    """
    def fit(self, asof: datetime.datetime | datetime.date | str | None = None, time_unit: str = 'week') -> ClvFit:
        ...
    def predict(self, horizon_days: typing.SupportsFloat | typing.SupportsIndex = 365.0, fit: ClvFit | None = None, asof: datetime.datetime | datetime.date | str | None = None, time_unit: str = 'week') -> Table:
        ...
class Interaction:
    """
    One contact with a customer (沟通记录).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'customer_id', 'kind', 'user_id', 'at', 'summary', 'contact_id', 'follow_up_task_id', 'created_at')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def at(self) -> datetime.datetime:
        ...
    @property
    def contact_id(self) -> int | None:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def customer_id(self) -> int:
        ...
    @property
    def follow_up_task_id(self) -> int | None:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def kind(self) -> str:
        ...
    @property
    def summary(self) -> str:
        ...
    @property
    def user_id(self) -> int | None:
        ...
class Task:
    """
    A follow-up task or reminder (跟进提醒).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'customer_id', 'title', 'kind', 'due_at', 'all_day', 'assignee_id', 'status', 'notes', 'interaction_id', 'plan_id', 'created_by', 'created_at', 'closed_at', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def all_day(self) -> bool:
        ...
    @property
    def assignee_id(self) -> int | None:
        ...
    @property
    def closed_at(self) -> datetime.datetime | None:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def created_by(self) -> int | None:
        ...
    @property
    def customer_id(self) -> int:
        ...
    @property
    def due_at(self) -> datetime.datetime:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def interaction_id(self) -> int | None:
        ...
    @property
    def kind(self) -> str:
        ...
    @property
    def notes(self) -> str | None:
        ...
    @property
    def plan_id(self) -> int | None:
        ...
    @property
    def status(self) -> str:
        ...
    @property
    def title(self) -> str:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class RevisitPlan:
    """
    A periodic revisit plan (定期回访).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'name', 'target_kind', 'target', 'every_days', 'assignee', 'title', 'created_at', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def assignee(self) -> typing.Any:
        ...
    @property
    def assignee_id(self) -> int | None:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def every_days(self) -> int:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def target(self) -> str:
        ...
    @property
    def target_kind(self) -> str:
        ...
    @property
    def title(self) -> str:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class Ticket:
    """
    A service ticket (服务记录).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'customer_id', 'title', 'status', 'opened_by', 'opened_at', 'closed_by', 'closed_at', 'satisfaction', 'reopened', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def closed_at(self) -> datetime.datetime | None:
        ...
    @property
    def closed_by(self) -> int | None:
        ...
    @property
    def customer_id(self) -> int:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def opened_at(self) -> datetime.datetime:
        ...
    @property
    def opened_by(self) -> int | None:
        ...
    @property
    def reopened(self) -> int:
        ...
    @property
    def satisfaction(self) -> int | None:
        ...
    @property
    def status(self) -> str:
        ...
    @property
    def title(self) -> str:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class OrderItem:
    """
    A line of an order.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('sku', 'qty', 'price')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def price(self) -> float:
        ...
    @property
    def qty(self) -> int:
        ...
    @property
    def sku(self) -> str:
        ...
class Order:
    """
    An order (成交/复购), or a refund (a negative order).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'customer_id', 'amount', 'at', 'refund_of', 'items', 'note', 'refunded', 'created_by', 'created_at')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def amount(self) -> float:
        ...
    @property
    def at(self) -> datetime.datetime:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def created_by(self) -> int | None:
        ...
    @property
    def customer_id(self) -> int:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def items(self) -> list[OrderItem]:
        ...
    @property
    def note(self) -> str | None:
        ...
    @property
    def refund_of(self) -> int | None:
        ...
    @property
    def refunded(self) -> float:
        ...
class PoolRules:
    """
    The public pool's rules (0 disables a rule).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('idle_days', 'no_deal_days', 'warn_days', 'max_held_per_user', 'max_claims_per_day', 'reclaim_cooldown_days', 'exempt_won')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def exempt_won(self) -> bool:
        ...
    @property
    def idle_days(self) -> int:
        ...
    @property
    def max_claims_per_day(self) -> int:
        ...
    @property
    def max_held_per_user(self) -> int:
        ...
    @property
    def no_deal_days(self) -> int:
        ...
    @property
    def reclaim_cooldown_days(self) -> int:
        ...
    @property
    def warn_days(self) -> int:
        ...
class Interactions:
    """
    crm.interactions: calls, visits, emails, wechat, meetings (沟通记录).
    """
    def delete(self, interaction: int) -> None:
        ...
    def get(self, interaction: int) -> Interaction:
        ...
    def list(self, customer: int | None = None, by: int | None = None, since: datetime.datetime | datetime.date | str | None = None, until: datetime.datetime | datetime.date | str | None = None, limit: int | None = 50, offset: int = 0) -> Table:
        """
        Interactions, newest first (a Table).
        """
    def log(self, customer: int, kind: str, by: int | None = None, summary: str = '', at: datetime.datetime | datetime.date | str | None = None, contact: int | None = None, next_follow_up: datetime.datetime | datetime.date | str | None = None, follow_up_title: str | None = None) -> Interaction:
        """
        Logs one interaction; `next_follow_up` creates a follow-up task for its author.
        """
    def log_many(self, rows: collections.abc.Iterable) -> list[int]:
        """
        Logs many interactions (dicts with the arguments of log()) in one transaction; returns their ids.
        """
class Tasks:
    """
    crm.tasks: follow-up tasks and reminders (跟进提醒).
    """
    def add(self, customer: int, title: str, due: datetime.datetime | datetime.date | str, assignee: int | None = None, notes: str | None = None) -> Task:
        """
        A task due at an instant, or on a date (overdue once that day ends).
        """
    def cancel(self, task: int, reason: str | None = None) -> Task:
        ...
    def complete(self, task: int) -> Task:
        ...
    def due(self, assignee: int | None = None, before: datetime.datetime | datetime.date | str | None = None, after: datetime.datetime | datetime.date | str | None = None) -> Table:
        """
        Open tasks due before `before` (default: the end of today), soonest first.
        """
    def get(self, task: int) -> Task:
        ...
    def list(self, customer: int | None = None, assignee: int | None = None, status: str | None = None, kind: str | None = None, limit: int | None = None, offset: int = 0) -> Table:
        ...
    def overdue(self, assignee: int | None = None, at: datetime.datetime | datetime.date | str | None = None) -> Table:
        """
        Open tasks past their deadline at `at` (default: now).
        """
    def reassign(self, task: int, to: int) -> Task:
        ...
class Revisits:
    """
    crm.revisits: periodic revisit plans (定期回访).
    """
    def delete(self, name: str) -> None:
        ...
    def get(self, name: str) -> RevisitPlan:
        ...
    def list(self) -> Table:
        ...
    def plan(self, name: str, segment: str | None = None, group: str | None = None, tag: str | None = None, every_days: typing.SupportsInt | typing.SupportsIndex = 30, assignee: typing.Any = 'owner', title: str | None = None) -> RevisitPlan:
        """
        Defines (or redefines) a plan over a segment, a group or a tag.
        """
    def run(self, name: str | None = None) -> list[int]:
        """
        Creates the revisit tasks that are due (idempotent); returns the new task ids.
        """
class Tickets:
    """
    crm.tickets: service tickets and satisfaction (服务记录).
    """
    def close(self, ticket: int, satisfaction: typing.SupportsInt | typing.SupportsIndex | None = None, by: int | None = None) -> Ticket:
        ...
    def delete(self, ticket: int) -> None:
        ...
    def get(self, ticket: int) -> Ticket:
        ...
    def list(self, customer: int | None = None, status: str | None = None, limit: int | None = None, offset: int = 0) -> Table:
        ...
    def note(self, ticket: int, body: str, by: int | None = None) -> int:
        ...
    def notes(self, ticket: int) -> Table:
        ...
    def open(self, customer: int, title: str, by: int | None = None, note: str | None = None) -> Ticket:
        ...
    def reopen(self, ticket: int, reason: str | None = None) -> Ticket:
        ...
class Orders:
    """
    crm.orders: orders, repeat purchases and refunds (成交/复购).
    """
    def add(self, customer: int, amount: typing.SupportsFloat | typing.SupportsIndex | None = None, at: datetime.datetime | datetime.date | str | None = None, items: collections.abc.Iterable | None = None, note: str | None = None, refund_of: int | None = None) -> Order:
        """
        Adds an order; items are dicts with sku, qty and price.
        """
    def add_many(self, rows: collections.abc.Iterable) -> list[int]:
        """
        Adds many orders (dicts with the arguments of add()) in one transaction.
        """
    def delete(self, order: int) -> None:
        ...
    def get(self, order: int) -> Order:
        ...
    def list(self, customer: int | None = None, limit: int | None = None, offset: int = 0) -> Table:
        ...
    def refund(self, order: int, amount: typing.SupportsFloat | typing.SupportsIndex | None = None, at: datetime.datetime | datetime.date | str | None = None, note: str | None = None) -> Order:
        """
        A negative order linked to `order` (default: all that remains of it).
        """
class Pool:
    """
    crm.pool: the public pool (公海) and its rules.
    """
    def claim(self, customer: int, by: int | None = None) -> None:
        ...
    def list(self, limit: int | None = None, offset: int = 0) -> Table:
        ...
    def preview(self, at: datetime.datetime | datetime.date | str | None = None) -> Table:
        """
        Who reclaim_idle() would return to the pool at `at`, and why.
        """
    def reclaim_idle(self) -> list[int]:
        """
        Returns idle customers to the pool (ids) and reminds owners warn_days ahead.
        """
    def release(self, customer: int, reason: str | None = None) -> None:
        ...
    def rules(self) -> PoolRules:
        ...
    def set_rules(self, *, idle_days: typing.SupportsInt | typing.SupportsIndex | None = None, no_deal_days: typing.SupportsInt | typing.SupportsIndex | None = None, warn_days: typing.SupportsInt | typing.SupportsIndex | None = None, max_held_per_user: typing.SupportsInt | typing.SupportsIndex | None = None, max_claims_per_day: typing.SupportsInt | typing.SupportsIndex | None = None, reclaim_cooldown_days: typing.SupportsInt | typing.SupportsIndex | None = None, exempt_won: bool | None = None) -> PoolRules:
        """
        Changes the given rules (0 disables one); returns all rules.
        """
class Facts:
    """
    crm.facts: the derived per-customer facts.
    """
    def check(self) -> list[int]:
        """
        Customers whose stored facts differ from a recomputation.
        """
    def get(self, customer: int) -> CustomerFacts:
        ...
    def rebuild(self) -> int:
        """
        Recomputes every customer's facts; returns how many rows changed.
        """
class Lead:
    """
    A lead (线索): a prospect not yet a customer.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'name', 'company', 'phone', 'email', 'source', 'status', 'owner_id', 'reason', 'fields', 'customer_id', 'contact_id', 'opportunity_id', 'created_by', 'created_at', 'updated_at', 'qualified_at', 'converted_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def company(self) -> str | None:
        ...
    @property
    def contact_id(self) -> int | None:
        ...
    @property
    def converted_at(self) -> datetime.datetime | None:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def created_by(self) -> int | None:
        ...
    @property
    def customer_id(self) -> int | None:
        ...
    @property
    def email(self) -> str | None:
        ...
    @property
    def fields(self) -> dict[str, typing.Any]:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def opportunity_id(self) -> int | None:
        ...
    @property
    def owner_id(self) -> int | None:
        ...
    @property
    def phone(self) -> str | None:
        ...
    @property
    def qualified_at(self) -> datetime.datetime | None:
        ...
    @property
    def reason(self) -> str | None:
        ...
    @property
    def source(self) -> str | None:
        ...
    @property
    def status(self) -> str:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class Opportunity:
    """
    An opportunity (商机) in the sales pipeline.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'customer_id', 'title', 'amount', 'owner_id', 'close_date', 'stage', 'probability', 'probability_override', 'status', 'lost_reason', 'lead_id', 'fields', 'locked_by_request', 'created_by', 'created_at', 'updated_at', 'closed_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def amount(self) -> float:
        ...
    @property
    def close_date(self) -> datetime.date | None:
        ...
    @property
    def closed_at(self) -> datetime.datetime | None:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def created_by(self) -> int | None:
        ...
    @property
    def customer_id(self) -> int:
        ...
    @property
    def fields(self) -> dict[str, typing.Any]:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def lead_id(self) -> int | None:
        ...
    @property
    def locked(self) -> bool:
        ...
    @property
    def locked_by_request(self) -> int | None:
        ...
    @property
    def lost_reason(self) -> str | None:
        ...
    @property
    def owner_id(self) -> int | None:
        ...
    @property
    def probability(self) -> float:
        ...
    @property
    def probability_override(self) -> float | None:
        ...
    @property
    def stage(self) -> str:
        ...
    @property
    def status(self) -> str:
        ...
    @property
    def title(self) -> str:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class Document:
    """
    A document attached to an opportunity (a quote, a contract, ...).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'opportunity_id', 'kind', 'title', 'amount', 'discount', 'fields', 'locked_by_request', 'created_by', 'created_at', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def amount(self) -> float | None:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def created_by(self) -> int | None:
        ...
    @property
    def discount(self) -> float | None:
        ...
    @property
    def fields(self) -> dict[str, typing.Any]:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def kind(self) -> str:
        ...
    @property
    def locked_by_request(self) -> int | None:
        ...
    @property
    def opportunity_id(self) -> int:
        ...
    @property
    def title(self) -> str:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class ConvertResult:
    """
    What leads.convert() created or matched.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('customer', 'contact', 'opportunity', 'matched_existing', 'matched_on', 'lead')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def contact(self) -> Contact | None:
        ...
    @property
    def customer(self) -> Customer:
        ...
    @property
    def lead(self) -> Lead:
        ...
    @property
    def matched_existing(self) -> bool:
        ...
    @property
    def matched_on(self) -> str | None:
        ...
    @property
    def opportunity(self) -> Opportunity | None:
        ...
class Leads:
    """
    crm.leads: capture, qualify, disqualify, assign and convert leads.
    """
    def add(self, **kwargs) -> Lead:
        """
        add(name=..., company=None, phone=None, email=None, source=None, owner=None, fields=None) -> Lead
        """
    def assign(self, lead: int, to: int, by: int | None = None) -> Lead:
        ...
    def convert(self, lead: int, by: int | None = None, opportunity: dict | None = None, create_opportunity: bool = True) -> ConvertResult:
        ...
    def disqualify(self, lead: int, reason: str, by: int | None = None) -> Lead:
        ...
    def find(self, status: str | None = None, source: str | None = None, owner: int | None = None, limit: int | None = None, offset: int = 0) -> Table:
        ...
    def get(self, lead: int) -> Lead:
        ...
    def list(self, status: str | None = None, source: str | None = None) -> Table:
        ...
    def qualify(self, lead: int, by: int | None = None) -> Lead:
        ...
    def update(self, lead: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, **kwargs) -> Lead:
        ...
class Opportunities:
    """
    crm.opportunities: the sales pipeline.
    """
    def add(self, **kwargs) -> Opportunity:
        """
        add(customer=..., title=..., amount=0, owner=None, close_date=None, stage=None, probability=None, fields=None) -> Opportunity
        """
    def advance(self, opportunity: int, stage: str | None = None, by: int | None = None) -> Opportunity:
        """
        Moves to `stage` (default: the next). May start an approval; then the opportunity is locked.
        """
    def find(self, owner: int | None = None, customer: int | None = None, stage: str | None = None, status: str | None = None, where: str | None = None, limit: int | None = None, offset: int = 0) -> Table:
        ...
    def get(self, opportunity: int) -> Opportunity:
        ...
    def history(self, opportunity: int) -> Table:
        ...
    def lose(self, opportunity: int, reason: str, by: int | None = None) -> Opportunity:
        ...
    def reopen(self, opportunity: int, stage: str | None = None, by: int | None = None) -> Opportunity:
        ...
    def stage_history(self, opportunity: int) -> Table:
        ...
    def update(self, opportunity: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, by: int | None = None, **kwargs) -> Opportunity:
        ...
    def win(self, opportunity: int, by: int | None = None) -> Opportunity:
        ...
class Documents:
    """
    crm.documents: quotes, contracts and other documents of opportunities.
    """
    def add(self, opportunity: int, kind: str, **kwargs) -> Document:
        ...
    def define_kind(self, kind: str) -> None:
        ...
    def get(self, document: int) -> Document:
        ...
    def kinds(self) -> list[str]:
        ...
    def list(self, opportunity: int) -> Table:
        ...
    def update(self, document: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, **kwargs) -> Document:
        ...
class Problem:
    """
    One problem of a workflow definition, at its JSON path.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('path', 'message')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def __str__(self) -> str:
        ...
    def to_dict(self):
        ...
    @property
    def message(self) -> str:
        ...
    @property
    def path(self) -> str:
        ...
class Workflow:
    """
    One version of a workflow definition.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'name', 'version', 'entity', 'trigger', 'active', 'definition', 'created_at')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def active(self) -> bool:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def definition(self) -> str:
        ...
    @property
    def entity(self) -> str:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def trigger(self) -> str:
        ...
    @property
    def version(self) -> int:
        ...
class RoutedApprover:
    """
    A user a step would ask, and why.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('user_id', 'login', 'name', 'reason')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def login(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def reason(self) -> str:
        ...
    @property
    def user_id(self) -> int:
        ...
class RouteStep:
    """
    One step of a simulated route.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('name', 'runs', 'reason', 'mode', 'quorum', 'approvers', 'sla_hours', 'escalate_to', 'auto_decision', 'notes')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def approvers(self) -> list[RoutedApprover]:
        ...
    @property
    def auto_decision(self) -> str | None:
        ...
    @property
    def escalate_to(self) -> str:
        ...
    @property
    def mode(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def notes(self) -> list[str]:
        ...
    @property
    def quorum(self) -> int:
        ...
    @property
    def reason(self) -> str:
        ...
    @property
    def runs(self) -> bool:
        ...
    @property
    def sla_hours(self) -> float | None:
        ...
class Route:
    """
    The route a record would take through a workflow (nothing written).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('workflow', 'version', 'entity_id', 'applies', 'reason', 'steps')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def applies(self) -> bool:
        ...
    @property
    def entity_id(self) -> int | None:
        ...
    @property
    def reason(self) -> str:
        ...
    @property
    def steps(self) -> list[RouteStep]:
        ...
    @property
    def version(self) -> int:
        ...
    @property
    def workflow(self) -> str:
        ...
class ReplayResult:
    """
    Existing records routed through a draft definition.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('routes', 'records', 'requests', 'per_step', 'per_approver')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def per_approver(self) -> Table:
        ...
    @property
    def per_step(self) -> Table:
        ...
    @property
    def records(self) -> int:
        ...
    @property
    def requests(self) -> int:
        ...
    @property
    def routes(self) -> list[Route]:
        ...
class ApprovalRequest:
    """
    An approval request (a snapshot).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'workflow', 'workflow_version', 'entity', 'entity_id', 'submitter_id', 'status', 'current_step', 'round', 'created_at', 'updated_at', 'ended_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def history(self) -> Table:
        """
        The ledger entries of this request, oldest first (a Table).
        """
    def steps(self) -> Table:
        """
        The step instances of every round with their approvers and routing trace (a Table).
        """
    def to_dict(self):
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def current_step(self) -> str | None:
        ...
    @property
    def ended_at(self) -> datetime.datetime | None:
        ...
    @property
    def entity(self) -> str:
        ...
    @property
    def entity_id(self) -> int:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def round(self) -> int:
        ...
    @property
    def status(self) -> str:
        ...
    @property
    def submitter_id(self) -> int | None:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
    @property
    def workflow(self) -> str:
        ...
    @property
    def workflow_version(self) -> int:
        ...
class BatchResult:
    """
    The outcome of one request in approve_many().
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('request_id', 'ok', 'status', 'current_step', 'error', 'message')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def current_step(self) -> str | None:
        ...
    @property
    def error(self) -> str | None:
        ...
    @property
    def message(self) -> str | None:
        ...
    @property
    def ok(self) -> bool:
        ...
    @property
    def request_id(self) -> int:
        ...
    @property
    def status(self) -> str | None:
        ...
class Delegation:
    """
    A delegation of approvals for a time window.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'delegator_id', 'delegate_id', 'start', 'end')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def delegate_id(self) -> int:
        ...
    @property
    def delegator_id(self) -> int:
        ...
    @property
    def end(self) -> datetime.datetime:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def start(self) -> datetime.datetime:
        ...
class Verification:
    """
    The result of audit.verify().
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('ok', 'entries', 'first_bad', 'reason', 'head')
    def __bool__(self) -> bool:
        ...
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def entries(self) -> int:
        ...
    @property
    def first_bad(self) -> int | None:
        ...
    @property
    def head(self) -> str:
        ...
    @property
    def ok(self) -> bool:
        ...
    @property
    def reason(self) -> str:
        ...
class Workflows:
    """
    crm.workflows: approval workflow definitions (data, versioned).
    """
    def deactivate(self, name: str) -> None:
        ...
    def define(self, definition: typing.Any) -> Workflow:
        """
        Stores a sound definition as a new version; WorkflowError lists every problem otherwise.
        """
    def get(self, name: str, version: typing.SupportsInt | typing.SupportsIndex | None = None) -> Workflow:
        ...
    def list(self, all_versions: bool = False) -> Table:
        ...
    def replay(self, definition: typing.Any, where: str | None = None) -> ReplayResult:
        """
        Routes every existing record matching `where` through a draft definition; writes nothing.
        """
    def simulate(self, name: str, record: typing.Any, by: int | None = None) -> Route:
        """
        The route a record (a dict of field values, or an existing record's id) would take; writes nothing.
        """
    def validate(self, definition: typing.Any) -> list[Problem]:
        """
        Every problem of a definition with its JSON path; [] when sound.
        """
class Approvals:
    """
    crm.approvals: the approval engine.
    """
    def approve(self, request: int, by: int | None = None, comment: str | None = None, step: str | None = None) -> ApprovalRequest:
        ...
    def approve_many(self, requests: collections.abc.Sequence[int], by: int | None = None, comment: str | None = None) -> list[BatchResult]:
        """
        Approves each request in its own transaction; a result per request.
        """
    def delegate(self, user: int, to: int, start: datetime.datetime | datetime.date | str, end: datetime.datetime | datetime.date | str) -> Delegation:
        ...
    def delegations(self, user: int | None = None) -> Table:
        ...
    def escalate_overdue(self) -> Table:
        ...
    def get(self, request: int) -> ApprovalRequest:
        ...
    def history(self, request: int) -> Table:
        ...
    def inbox(self, user: int) -> Table:
        ...
    def list(self, status: str | None = None, entity: str | None = None, record: int | None = None) -> Table:
        ...
    def recall(self, request: int, by: int | None = None, comment: str | None = None) -> ApprovalRequest:
        ...
    def reject(self, request: int, by: int | None = None, comment: str | None = None, step: str | None = None) -> ApprovalRequest:
        ...
    def resubmit(self, request: int, by: int | None = None, comment: str | None = None) -> ApprovalRequest:
        ...
    def revoke_delegation(self, delegation: int) -> None:
        ...
    def steps(self, request: int) -> Table:
        ...
    def submit(self, entity: str, record: int, workflow: str | None = None, by: int | None = None, comment: str | None = None) -> ApprovalRequest:
        ...
class Audit:
    """
    crm.audit: the hash-chained approval ledger.
    """
    def entries(self, after: int | None = None, limit: int | None = None) -> Table:
        ...
    def head(self) -> str:
        """
        The latest ledger hash ('' when empty), to keep elsewhere.
        """
    def verify(self, expected_head: str | None = None) -> Verification:
        ...
class Reports:
    """
    crm.reports: funnel, conversion, win rate, velocity, stage durations, forecast, repurchase, activity, lifecycle and approval-step analytics (docs/reports.md). Every report takes start= and end= (start <= t < end on the report's timestamp), owner=, team= (with its sub-teams) and where= (a rule), and respects the view's scope.
    """
    def activity(self, by: str = 'owner', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Interactions, tasks done and overdue, tickets opened and closed, mean satisfaction by owner | team.
        """
    def approval_steps(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None, min_decisions: typing.SupportsInt | typing.SupportsIndex = 20, max_reject_rate: typing.SupportsFloat | typing.SupportsIndex = 0.02, min_median_wait_hours: typing.SupportsFloat | typing.SupportsIndex = 24.0, bottleneck_share: typing.SupportsFloat | typing.SupportsIndex = 0.5) -> Table:
        """
        Per workflow step: requests, outcomes, reject/skip rates, escalations, median/p90 wait in hours, wait share, and the pure_delay and bottleneck flags.
        """
    def conversion(self, by: str = 'source', period: str = 'month', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Leads -> qualified -> converted -> won by source | owner | team | period, with rates.
        """
    def forecast(self, period: str = 'month', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Weighted pipeline by expected close period plus won amounts, per month | quarter | year.
        """
    def funnel(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Per pipeline stage: stage, count, amount, weighted_amount, reached, conversion_to_next.
        """
    def lifecycle(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Per lifecycle stage: customers now, entered and left in the window.
        """
    def lifecycle_flows(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Lifecycle stage changes in the window: from_stage, to_stage, changes, customers.
        """
    def repurchase_rate(self, period: str = 'quarter', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Per period: customers who bought, those who had bought before, and the repurchase rate.
        """
    def stage_durations(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Per pipeline stage: opportunities, mean_days, median_days, p90_days.
        """
    def velocity(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        One row: open_opportunities, win_rate, avg_won_amount, avg_cycle_days and velocity per day.
        """
    def win_rate(self, by: str = 'owner', period: str = 'month', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | None = None, team: int | None = None, where: str | None = None) -> Table:
        """
        Won, lost and win_rate of closed opportunities by owner | team | source | period.
        """
class Clock:
    """
    crm.clock: the engine's notion of now; freeze and advance it in tests.
    """
    def advance(self, days: typing.SupportsFloat | typing.SupportsIndex = 0.0, hours: typing.SupportsFloat | typing.SupportsIndex = 0.0, minutes: typing.SupportsFloat | typing.SupportsIndex = 0.0, seconds: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> None:
        ...
    def freeze(self, at: datetime.datetime | datetime.date | str) -> None:
        ...
    def now(self) -> datetime.datetime:
        ...
    def unfreeze(self) -> None:
        ...
    @property
    def frozen(self) -> bool:
        ...
class Transaction:
    """
    A transaction scope: use `with crm.transaction():`.
    """
    def __enter__(self) -> Transaction:
        ...
    def __exit__(self, arg0: typing.Any, arg1: typing.Any, arg2: typing.Any) -> bool:
        ...
class Crm:
    """
    One opened CRM database: the system view, or a view scoped to a user.
    """
    def __enter__(self) -> Crm:
        ...
    def __exit__(self, arg0: typing.Any, arg1: typing.Any, arg2: typing.Any) -> bool:
        ...
    def as_user(self, user: typing.Any) -> Crm:
        """
        The same CRM seen and changed as `user` (a User, an id or a login): scoped reads, checked writes.
        """
    def close(self) -> None:
        ...
    def history(self, entity: str, id: int) -> Table:
        ...
    def transaction(self) -> Transaction:
        """
        A scope: `with crm.transaction():` commits on a clean exit and rolls back on an exception; nested blocks are savepoints.
        """
    @property
    def approvals(self) -> typing.Any:
        ...
    @property
    def audit(self) -> Audit:
        ...
    @property
    def autostages(self) -> AutoRules:
        ...
    @property
    def autotags(self) -> AutoRules:
        ...
    @property
    def clock(self) -> Clock:
        ...
    @property
    def closed(self) -> bool:
        ...
    @property
    def clv(self) -> Clv:
        ...
    @property
    def contacts(self) -> Contacts:
        ...
    @property
    def customers(self) -> Customers:
        ...
    @property
    def documents(self) -> Documents:
        ...
    @property
    def events(self) -> Events:
        ...
    @property
    def facts(self) -> Facts:
        ...
    @property
    def fields(self) -> Fields:
        ...
    @property
    def groups(self) -> Groups:
        ...
    @property
    def imports(self) -> Imports:
        """
        The import service of this view (crm.imports.customers(...), ...).
        """
    @property
    def interactions(self) -> Interactions:
        ...
    @property
    def leads(self) -> Leads:
        ...
    @property
    def lifecycle(self) -> Stages:
        ...
    @property
    def opportunities(self) -> Opportunities:
        ...
    @property
    def orders(self) -> Orders:
        ...
    @property
    def path(self) -> str:
        ...
    @property
    def pipeline(self) -> Stages:
        ...
    @property
    def pool(self) -> Pool:
        ...
    @property
    def reports(self) -> Reports:
        ...
    @property
    def revisits(self) -> Revisits:
        ...
    @property
    def rfm(self) -> Rfm:
        ...
    @property
    def roles(self) -> Roles:
        ...
    @property
    def schema_version(self) -> int:
        ...
    @property
    def segments(self) -> Segments:
        ...
    @property
    def tasks(self) -> Tasks:
        ...
    @property
    def teams(self) -> Teams:
        ...
    @property
    def tickets(self) -> Tickets:
        ...
    @property
    def user(self) -> User | None:
        ...
    @property
    def users(self) -> Users:
        ...
    @property
    def workflows(self) -> Workflows:
        ...
class Events:
    """
    crm.events: committed changes in commit order, for webhooks and search-index sync.
    """
    def latest(self) -> int:
        """
        The newest event id: the cursor that starts from now.
        """
    def oldest(self) -> int:
        """
        The oldest event id still retained.
        """
    def since(self, cursor: typing.SupportsInt | typing.SupportsIndex = 0, limit: typing.SupportsInt | typing.SupportsIndex = 100) -> Table:
        """
        Events after `cursor` (0: from the first), oldest first, at most `limit` (1..10000): a Table of id, at, kind, entity, entity_id, customer_id, payload. Pass the last id as the next cursor. Raises Conflict when events after the cursor are no longer retained.
        """
class ImportReport:
    """
    What an import did (or, with dry_run=True, would do): counts, problems and matches.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('entity', 'encoding', 'rows', 'created', 'updated', 'skipped', 'failed', 'dry_run', 'committed', 'problems', 'matches')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def committed(self) -> bool:
        ...
    @property
    def created(self) -> int:
        ...
    @property
    def dry_run(self) -> bool:
        ...
    @property
    def encoding(self) -> str:
        ...
    @property
    def entity(self) -> str:
        ...
    @property
    def failed(self) -> int:
        ...
    @property
    def matches(self) -> Table:
        ...
    @property
    def problems(self) -> Table:
        ...
    @property
    def rows(self) -> int:
        ...
    @property
    def skipped(self) -> int:
        ...
    @property
    def updated(self) -> int:
        ...
class Imports:
    """
    crm.imports: spreadsheet rows into the CRM, cleaned, matched and de-duplicated.
    """
    def contacts(self, source: typing.Any, mapping: typing.Any = None, dry_run: bool = False, all_or_nothing: bool = False, on_progress: typing.Any = None, encoding: str | None = None, sheet: typing.Any = None, on_match: str = 'skip', region: str = 'CN') -> ImportReport:
        """
        Imports contacts (customer: id, phone, e-mail or name). source: a .csv/.xlsx path or an iterable of dicts. mapping: {file header: field}. dry_run: report only. all_or_nothing: write nothing if any row has a problem. on_match: 'skip' | 'update' | 'create' for rows matching an existing record. on_progress(done, total): called at least every 1%. Returns an ImportReport (created, updated, skipped, failed, problems Table: row, column, value, message; matches Table: row, customer_id, record_id, score, rule, action). Raises ValidationError (.field) for a mapping to an unknown field or a missing column, before anything is read; NotFound for a missing file.
        """
    def customers(self, source: typing.Any, mapping: typing.Any = None, dry_run: bool = False, all_or_nothing: bool = False, on_progress: typing.Any = None, encoding: str | None = None, sheet: typing.Any = None, on_match: str = 'skip', region: str = 'CN') -> ImportReport:
        """
        Imports customers. source: a .csv/.xlsx path or an iterable of dicts. mapping: {file header: field}. dry_run: report only. all_or_nothing: write nothing if any row has a problem. on_match: 'skip' | 'update' | 'create' for rows matching an existing record. on_progress(done, total): called at least every 1%. Returns an ImportReport (created, updated, skipped, failed, problems Table: row, column, value, message; matches Table: row, customer_id, record_id, score, rule, action). Raises ValidationError (.field) for a mapping to an unknown field or a missing column, before anything is read; NotFound for a missing file.
        """
    def interactions(self, source: typing.Any, mapping: typing.Any = None, dry_run: bool = False, all_or_nothing: bool = False, on_progress: typing.Any = None, encoding: str | None = None, sheet: typing.Any = None, on_match: str = 'skip', region: str = 'CN') -> ImportReport:
        """
        Imports interactions (customer, kind, summary, at, by). source: a .csv/.xlsx path or an iterable of dicts. mapping: {file header: field}. dry_run: report only. all_or_nothing: write nothing if any row has a problem. on_match: 'skip' | 'update' | 'create' for rows matching an existing record. on_progress(done, total): called at least every 1%. Returns an ImportReport (created, updated, skipped, failed, problems Table: row, column, value, message; matches Table: row, customer_id, record_id, score, rule, action). Raises ValidationError (.field) for a mapping to an unknown field or a missing column, before anything is read; NotFound for a missing file.
        """
    def leads(self, source: typing.Any, mapping: typing.Any = None, dry_run: bool = False, all_or_nothing: bool = False, on_progress: typing.Any = None, encoding: str | None = None, sheet: typing.Any = None, on_match: str = 'skip', region: str = 'CN') -> ImportReport:
        """
        Imports leads (name, company, phone, email, source, owner). source: a .csv/.xlsx path or an iterable of dicts. mapping: {file header: field}. dry_run: report only. all_or_nothing: write nothing if any row has a problem. on_match: 'skip' | 'update' | 'create' for rows matching an existing record. on_progress(done, total): called at least every 1%. Returns an ImportReport (created, updated, skipped, failed, problems Table: row, column, value, message; matches Table: row, customer_id, record_id, score, rule, action). Raises ValidationError (.field) for a mapping to an unknown field or a missing column, before anything is read; NotFound for a missing file.
        """
    def orders(self, source: typing.Any, mapping: typing.Any = None, dry_run: bool = False, all_or_nothing: bool = False, on_progress: typing.Any = None, encoding: str | None = None, sheet: typing.Any = None, on_match: str = 'skip', region: str = 'CN') -> ImportReport:
        """
        Imports orders (customer, amount, at, note). source: a .csv/.xlsx path or an iterable of dicts. mapping: {file header: field}. dry_run: report only. all_or_nothing: write nothing if any row has a problem. on_match: 'skip' | 'update' | 'create' for rows matching an existing record. on_progress(done, total): called at least every 1%. Returns an ImportReport (created, updated, skipped, failed, problems Table: row, column, value, message; matches Table: row, customer_id, record_id, score, rule, action). Raises ValidationError (.field) for a mapping to an unknown field or a missing column, before anything is read; NotFound for a missing file.
        """
    def targets(self, entity: str) -> list[str]:
        """
        The fields an import of `entity` accepts as mapping targets (list of str).
        """
def log_level() -> str:
    """
    The engine's current log level.
    """
def normalize_phone(phone: str) -> str:
    """
    The E.164 key leads and customers are matched on (region CN by default); '' when not a valid number.
    """
def open(path: typing.Any = ':memory:', synchronous: str = 'normal', busy_timeout: typing.SupportsFloat | typing.SupportsIndex = 10.0) -> Crm:
    """
    Opens (creating and migrating) a CRM database; ':memory:' for a throwaway one.
    """
def set_log_level(level: typing.Any) -> None:
    """
    Sets the engine's log level (trace, debug, info, warning, error, critical, off). Records also reach logging.getLogger('crmkit').
    """
SCHEMA_VERSION: int = 8
