"""
crmkit's C++ engine. Use the crmkit package, which re-exports everything here.
"""
from __future__ import annotations
import collections.abc
import crmkit.exports
import datetime
import typing
import builtins
from crmkit.table import Row
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
class _HasId(typing.Protocol):
    """Anything with an integer `id` (every record): accepted wherever an entity's id is."""
    @property
    def id(self) -> int: ...
__all__: builtins.list[str] = ['ApprovalRequest', 'Approvals', 'Audit', 'AutoRules', 'BackupResult', 'BatchResult', 'CheckProblem', 'CheckResult', 'Clock', 'Clv', 'ClvFit', 'Conflict', 'Contact', 'Contacts', 'ConvertResult', 'Crm', 'Customer', 'CustomerFacts', 'Customers', 'Delegation', 'Document', 'Documents', 'Error', 'Events', 'Facts', 'FieldDef', 'Fields', 'Groups', 'ImportReport', 'Imports', 'Interaction', 'Interactions', 'Lead', 'Leads', 'NotFound', 'Opportunities', 'Opportunity', 'Order', 'OrderItem', 'Orders', 'PermissionDenied', 'Pool', 'PoolRules', 'Problem', 'ReplayResult', 'Reports', 'RevisitPlan', 'Revisits', 'Rfm', 'Role', 'Roles', 'Route', 'RouteStep', 'RoutedApprover', 'RuleSyntaxError', 'SCHEMA_VERSION', 'Segment', 'SegmentDiff', 'Segments', 'Snapshot', 'Stages', 'StorageError', 'Table', 'Task', 'Tasks', 'Team', 'Teams', 'Ticket', 'Tickets', 'Transaction', 'User', 'Users', 'ValidationError', 'Verification', 'Workflow', 'WorkflowError', 'Workflows', 'log_level', 'normalize_phone', 'open', 'set_log_level']
class Table:
    """
    Columnar rows returned by the engine: len(), iteration over Rows, t[i], t['column'], rows(), to_pandas(), to_arrow(), to_polars(); renders as HTML in Jupyter; pickles and compares by value.
    """
    @typing.overload
    def __getitem__(self, key: typing.SupportsIndex) -> Row: ...
    @typing.overload
    def __getitem__(self, key: slice) -> builtins.list[Row]: ...
    @typing.overload
    def __getitem__(self, key: str) -> builtins.list[typing.Any]: ...
    def __iter__(self) -> collections.abc.Iterator[Row]: ...
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def _repr_html_(self) -> str: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __array__(self, dtype: object = None, copy: object = None) -> typing.NoReturn: ...
    def column(self, name: str) -> builtins.list[typing.Any]:
        """Returns one column as a list of Python values (None for NULL). Raises KeyError for an unknown column."""
    def rows(self) -> builtins.list[dict[str, typing.Any]]:
        """Returns all rows as a list of dicts (column name -> Python value, None for NULL). Raises nothing."""
    def to_pandas(self) -> typing.Any:
        """Returns a pandas.DataFrame built column by column. Raises ImportError when pandas is missing."""
    def to_arrow(self) -> typing.Any:
        """Returns a pyarrow.Table with typed columns. Raises ImportError when pyarrow is missing."""
    def to_polars(self) -> typing.Any:
        """Returns a polars.DataFrame with typed columns. Raises ImportError when polars is missing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Table:
        """
        A copy of the table.
        """
    def __deepcopy__(self, memo: typing.Any) -> Table:
        """
        A copy of the table.
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __init__(self) -> None:
        """
        An empty table (no columns, no rows).
        """
    def __len__(self) -> int:
        """
        The number of rows.
        """
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
        ...
    def _raw(self, i: typing.SupportsInt | typing.SupportsIndex, start: typing.SupportsInt | typing.SupportsIndex = 0, stop: typing.SupportsInt | typing.SupportsIndex | None = None) -> tuple[typing.Any, ...]:
        """
        Column i as (name, type, values, valid), rows [start, stop) (all by default): numpy arrays for numbers, times and dates, lists for text. Raises IndexError for a column outside the table.
        """
    @property
    def column_types(self) -> dict[str, typing.Any]:
        """
        Each column's type: int, float, text, bool, time, date or list.
        """
    @property
    def columns(self) -> builtins.list[typing.Any]:
        """
        The column names, in order.
        """
class Team:
    """
    A team (a node of the organisation tree).
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'name', 'parent_id', 'lead_id', 'created_at', 'version')
    def __copy__(self) -> Team:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Team:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'login', 'name', 'email', 'role', 'team_id', 'manager_id', 'active', 'created_at', 'version')
    def __copy__(self) -> User:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> User:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('name', 'scopes', 'approve', 'admin')
    def __copy__(self) -> Role:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Role:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def scopes(self) -> dict[str, typing.Any]:
        ...
class Teams:
    """
    crm.teams: the organisation tree.
    """
    def __repr__(self) -> str: ...
    def add(self, name: str, parent: int | _HasId | None = None, lead: int | _HasId | None = None) -> Team:
        """
        Adds a team under `parent` (None: a top-level team) led by `lead`. Returns the new Team. Raises ValidationError for an empty or overlong name, NotFound for an unknown parent or lead, Conflict when the name is taken, PermissionDenied unless the view administers.
        """
    def by_name(self, name: str) -> Team:
        """
        Returns the Team with this name. Raises NotFound when there is none.
        """
    def get(self, team: int | _HasId) -> Team:
        """
        Returns the Team with this id (or record). Raises NotFound for an unknown id.
        """
    def list(self) -> Table:
        """
        Returns every team as a Table (id, name, parent_id, lead_id, created_at, version). Raises nothing.
        """
    def move(self, team: int | _HasId, parent: int | _HasId | None) -> Team:
        """
        Moves a team under `parent` (None: to the top). Returns the updated Team. Raises NotFound for an unknown team or parent, ValidationError when it would make a cycle, PermissionDenied unless the view administers.
        """
    def set_lead(self, team: int | _HasId, lead: int | _HasId | None) -> Team:
        """
        Sets (or with None clears) a team's lead. Returns the updated Team. Raises NotFound for an unknown team or user, PermissionDenied unless the view administers.
        """
    def subtree(self, team: int | _HasId) -> builtins.list[int]:
        """
        Returns the ids of the team and every team below it. Raises NotFound for an unknown team.
        """
class Users:
    """
    crm.users: people who use the CRM.
    """
    def __repr__(self) -> str: ...
    def add(self, login: str, name: str, role: str = 'sales', team: int | _HasId | None = None, manager: int | _HasId | None = None, email: str | None = None) -> User:
        """
        Adds a user with a login (unique), a display name and a role, optionally in a team and under a manager. Returns the new User. Raises ValidationError for an empty login or name or an unknown role, Conflict when the login is taken, NotFound for an unknown team or manager, PermissionDenied unless the view administers.
        """
    def get(self, user: typing.Any) -> User:
        """
        A user by id, record or login. Returns the User. Raises NotFound when there is none.
        """
    def list(self, team: int | _HasId | None = None, role: str | None = None) -> Table:
        """
        Users, optionally of one team and/or one role. Returns a Table (id, login, name, email, role, team_id, manager_id, active, ...). Raises NotFound for an unknown team.
        """
    def managers(self, user: int | _HasId) -> builtins.list[int]:
        """
        Returns the ids of the user's managers, nearest first. Raises NotFound for an unknown user.
        """
    def reports(self, user: int | _HasId) -> builtins.list[int]:
        """
        Returns the ids of everyone who reports to the user, directly or not. Raises NotFound for an unknown user.
        """
    def update(self, user: int | _HasId, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, *, name: str = ..., email: str | None = ..., role: str = ..., team: int | _HasId | None = ..., manager: int | _HasId | None = ..., active: bool = ...) -> User:
        """
        Changes the given attributes of a user (None clears email, team or manager).
        
        Returns the updated User. Raises NotFound, Conflict when `expected_version` is stale, ValidationError for an unknown role, team or manager, a reporting cycle or an unknown keyword, PermissionDenied unless the view administers.
        """
class Roles:
    """
    crm.roles: what each role may see and do.
    """
    def __repr__(self) -> str: ...
    def define(self, name: str, approve: bool | None = None, admin: bool | None = None, *, customers: str = ..., opportunities: str = ..., leads: str = ...) -> Role:
        """
        Defines or redefines a role: a scope per entity (none, own, reports, team or all; an entity left out keeps its scope, or none for a new role) and whether it approves or administers: roles.define('sales', customers='own', leads='team', approve=False).
        
        Returns the Role. Raises ValidationError for an unknown scope or entity, PermissionDenied unless the view administers.
        """
    def get(self, name: str) -> Role:
        """
        Returns the Role with this name. Raises NotFound for an unknown role.
        """
    def list(self) -> Table:
        """
        Returns every role as a Table (role, one scope column per entity, approve, admin). Raises nothing.
        """
class FieldDef:
    """
    A custom field definition.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'entity', 'name', 'type', 'label', 'options', 'min', 'max', 'required')
    def __copy__(self) -> FieldDef:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> FieldDef:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def options(self) -> builtins.list[str]:
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
    def __repr__(self) -> str: ...
    def add(self, entity: str, name: str, type: str, options: collections.abc.Sequence[str] | None = None, min: typing.SupportsFloat | typing.SupportsIndex | None = None, max: typing.SupportsFloat | typing.SupportsIndex | None = None, required: bool = False, label: str | None = None) -> FieldDef:
        """
        Defines a custom field of an entity (customer, contact, opportunity, lead, ...): `type` is text, number, integer, bool, date, datetime, enum, multi_enum or user; `options` for the enum types, `min`/`max` for numbers. Returns the FieldDef. Raises ValidationError for an unknown entity or type, a bad name or missing options, Conflict when the field exists, PermissionDenied unless the view administers.
        """
    def get(self, entity: str, name: str) -> FieldDef:
        """
        Returns the FieldDef of `entity`'s field `name`. Raises NotFound for an unknown field, ValidationError for an unknown entity.
        """
    def list(self, entity: str | None = None) -> Table:
        """
        Custom field definitions, of one entity or of all. Returns a Table (entity, name, type, label, options, min, max, required). Raises ValidationError for an unknown entity.
        """
    def remove(self, entity: str, name: str) -> None:
        """
        Removes a custom field definition (stored values are kept but no longer read). Returns None. Raises NotFound for an unknown field, PermissionDenied unless the view administers.
        """
class Stages:
    """
    crm.lifecycle / crm.pipeline: ordered, configurable stages.
    """
    def __repr__(self) -> str: ...
    def probabilities(self) -> builtins.list[tuple[str, float]]:
        """
        Returns (name, probability) pairs in order (0.0 where a stage has none). Raises nothing.
        """
    def set_stages(self, stages: collections.abc.Iterable[typing.Any]) -> None:
        """
        Replaces the ordered stages: each a name, or a (name, probability) pair for pipeline stages. Returns None. Raises ValidationError for a malformed or duplicate stage or a stage still in use, PermissionDenied unless the view administers.
        """
    def stages(self) -> builtins.list[str]:
        """
        Returns the stage names, in order. Raises nothing.
        """
class CustomerFacts:
    """
    A customer's derived facts (kept current by every write).
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('last_contact_at', 'days_since_contact', 'interaction_count', 'order_count', 'lifetime_value', 'first_order_at', 'last_order_at', 'avg_satisfaction', 'open_tickets')
    def __copy__(self) -> CustomerFacts:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> CustomerFacts:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'name', 'kind', 'industry', 'owner_id', 'source', 'phone', 'email', 'stage', 'tags', 'fields', 'created_by', 'created_at', 'updated_at', 'version')
    def __copy__(self) -> Customer:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Customer:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def tags(self) -> builtins.list[str]:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'customer_id', 'name', 'title', 'phone', 'email', 'fields', 'created_at', 'updated_at', 'version')
    def __copy__(self) -> Contact:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Contact:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __repr__(self) -> str: ...
    def add(self, name: str = ..., *, kind: str = ..., industry: str | None = ..., owner: int | _HasId | None = ..., source: str | None = ..., phone: str | None = ..., email: str | None = ..., stage: str = ..., tags: builtins.list[str] | str | None = ..., fields: dict[str, typing.Any] | None = ...) -> Customer:
        """
        Adds a customer (kind 'company' or 'person'; the first lifecycle stage unless `stage` is given; a rep's new customer is theirs unless `owner` is given); custom field values go in `fields`.
        
        Returns the new Customer. Raises ValidationError for a missing name, a bad value or an unknown keyword (naming it), PermissionDenied when the view may not own it that way.
        """
    def add_many(self, rows: collections.abc.Iterable[typing.Any]) -> builtins.list[int]:
        """
        Adds all rows (dicts with the arguments of add()) in one transaction, all or nothing. Returns the new ids, in row order. Raises ValidationError naming the field and the row of the first bad row (nothing is written), PermissionDenied likewise.
        """
    def count(self, name_contains: str | None = None, tag: str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, stage: str | None = None, industry: str | None = None, kind: str | None = None, source: str | None = None, pool: bool = False, where: str | None = None) -> int:
        """
        Returns how many customers match the filters of find(). Raises ValidationError for a bad filter, RuleSyntaxError for a bad rule.
        """
    def delete(self, customer: int | _HasId, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None) -> None:
        """
        Deletes a customer with its contacts and activity. Returns None. Raises NotFound, Conflict when `expected_version` is stale or the customer is locked by a pending approval, PermissionDenied outside the view's scope.
        """
    def duplicate_scan(self, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.8) -> dict[str, typing.Any]:
        """
        duplicates() with its work: returns a dict[str, typing.Any] with 'pairs' (how many), 'candidates' (candidate pairs scored) and 'customers' (how many were considered). Raises ValidationError unless 0 < threshold <= 1.
        """
    def duplicates(self, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.8) -> Table:
        """
        Returns the pairs of customers in scope that look like one: a Table (customer_id, other_id, score, rule, name, other_name), best first. rule: 'phone' or 'email' (score 1) or 'name' (company-name similarity >= threshold). Raises ValidationError unless 0 < threshold <= 1.
        """
    def find(self, name_contains: str | None = None, tag: str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, stage: str | None = None, industry: str | None = None, kind: str | None = None, source: str | None = None, pool: bool = False, after: int | None = None, limit: int | None = None, offset: int = 0, where: str | None = None) -> Table:
        """
        Customers matching every filter given (`where` is a rule, see docs/rules.md; `pool=True`: unowned ones), in id order; page with `after` (an id) or `offset`, at most `limit` rows. Returns a Table with one column per attribute and custom field. Raises ValidationError for a bad filter or limit, RuleSyntaxError for a bad rule.
        """
    def get(self, customer: int | _HasId) -> Customer:
        """
        Returns the Customer (with its derived facts). Raises NotFound for an unknown id or one outside the view's scope.
        """
    def history(self, customer: int | _HasId) -> Table:
        """
        Returns the customer's change history as a Table (at, by, field, old, new), oldest first. Raises NotFound for an unknown or invisible customer.
        """
    def merge(self, keep: int | _HasId, drop: int | _HasId) -> Customer:
        """
        Merges customer `drop` into `keep`: moves contacts, interactions, tasks, tickets, orders, opportunities, tags, group memberships and history, recomputes the facts, records the merge in both histories and the change feed, deletes `drop`. Returns the kept Customer. Raises ValidationError (the same customer), NotFound, PermissionDenied (outside the view's scope), Conflict (locked by a pending approval).
        """
    def search(self, query: str, limit: int = 20) -> Table:
        """
        Ranked full-text search: customers whose name, contacts' names, phones or e-mails contain every whitespace-separated term of `query` (Chinese without a segmenter). Returns a Table (id, name, kind, owner_id, phone, email, stage, contacts, score), best first; scoped like find(). Raises ValidationError for an empty query or a limit below 1.
        """
    def set_stage(self, customer: int | _HasId, stage: str) -> Customer:
        """
        Moves a customer to a lifecycle stage. Returns the updated Customer. Raises NotFound, ValidationError for an unknown stage, Conflict when locked by a pending approval, PermissionDenied outside the view's scope.
        """
    def tag(self, customer: int | _HasId, tag: str) -> Customer:
        """
        Adds a tag (kept once). Returns the updated Customer. Raises NotFound, ValidationError for an empty or overlong tag, Conflict when locked by a pending approval, PermissionDenied outside the view's scope.
        """
    def untag(self, customer: int | _HasId, tag: str) -> Customer:
        """
        Removes a tag (nothing happens if absent). Returns the updated Customer. Raises NotFound, Conflict when locked by a pending approval, PermissionDenied outside the view's scope.
        """
    def update(self, customer: int | _HasId, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, *, name: str = ..., kind: str = ..., industry: str | None = ..., owner: int | _HasId | None = ..., source: str | None = ..., phone: str | None = ..., email: str | None = ..., stage: str = ..., tags: builtins.list[str] | str | None = ..., fields: dict[str, typing.Any] | None = ...) -> Customer:
        """
        Changes the given attributes (None clears an optional one; `tags` replaces the tags; `fields` changes only the custom fields it names).
        
        Returns the updated Customer. Raises NotFound, Conflict when `expected_version` is stale or the customer is locked by a pending approval, ValidationError for a bad value or an unknown keyword, PermissionDenied outside the view's scope.
        """
class Contacts:
    """
    crm.contacts: the people at a customer.
    """
    def __repr__(self) -> str: ...
    def add(self, customer: int | _HasId, name: str = ..., *, title: str | None = ..., phone: str | None = ..., email: str | None = ..., fields: dict[str, typing.Any] | None = ...) -> Contact:
        """
        Adds a contact person to `customer`.
        
        Returns the new Contact. Raises NotFound for an unknown or invisible customer, ValidationError for a missing name, a bad value or an unknown keyword.
        """
    def delete(self, contact: int | _HasId) -> None:
        """
        Deletes a contact. Returns None. Raises NotFound, PermissionDenied outside the view's scope.
        """
    def get(self, contact: int | _HasId) -> Contact:
        """
        Returns the Contact. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def list(self, customer: int | _HasId) -> Table:
        """
        Returns the contacts of a customer as a Table. Raises NotFound for an unknown or invisible customer.
        """
    def update(self, contact: int | _HasId, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, *, name: str = ..., title: str | None = ..., phone: str | None = ..., email: str | None = ..., fields: dict[str, typing.Any] | None = ...) -> Contact:
        """
        Changes the given attributes (None clears an optional one).
        
        Returns the updated Contact. Raises NotFound, Conflict when `expected_version` is stale, ValidationError for a bad value or an unknown keyword.
        """
class Snapshot:
    """
    Who was in a segment at one moment.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'segment', 'taken_at', 'count')
    def __copy__(self) -> Snapshot:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Snapshot:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('segment', 'since', 'entered', 'left')
    def __copy__(self) -> SegmentDiff:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> SegmentDiff:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
        ...
    @property
    def entered(self) -> builtins.list[int]:
        ...
    @property
    def left(self) -> builtins.list[int]:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'name', 'rule', 'created_at', 'updated_at', 'version')
    def __copy__(self) -> Segment:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Segment:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        """
        The record's values as a tuple[typing.Any, ...] (for ==).
        """
    def __reduce_ex__(self, protocol: typing.Any) -> typing.Any:
        """
        Refuses: this record is a live handle on an open CRM.
        """
    def count(self, engine: str = 'auto') -> int:
        """
        Returns how many visible customers the segment's rule matches now. `engine`: 'auto' (the in-memory columns, loaded on first use), 'columns' or 'sql'. Raises ValidationError for an unknown engine.
        """
    def explain(self, customer: int | _HasId) -> Table:
        """
        Why a customer is (not) a member: each clause of the rule with the customer's value and whether it holds. Returns a Table. Raises NotFound for an unknown or invisible customer.
        """
    def ids(self, engine: str = 'auto') -> builtins.list[int]:
        """
        Returns the ids of the members, ascending. Raises ValidationError for an unknown engine.
        """
    def members(self, limit: int | None = None, offset: int = 0) -> Table:
        """
        Returns the members as a customer Table, at most `limit` rows from `offset`. Raises ValidationError for a bad limit or offset.
        """
    def snapshot(self) -> Snapshot:
        """
        Records who is a member now. Returns the Snapshot. Raises StorageError once the CRM is closed.
        """
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
    def __repr__(self) -> str: ...
    def contains(self, name: str, customer: int | _HasId) -> bool:
        """
        Returns whether the customer is in segment `name` now. Raises NotFound for an unknown segment or customer.
        """
    def count(self, name: str, engine: str = 'auto') -> int:
        """
        Returns how many visible customers segment `name` matches now (`engine` as for Segment.count). Raises NotFound for an unknown segment, ValidationError for an unknown engine.
        """
    def count_rule(self, rule: str, engine: str = 'auto') -> int:
        """
        Returns how many visible customers an ad hoc rule matches. Raises RuleSyntaxError for a bad rule, ValidationError for an unknown engine.
        """
    def define(self, name: str, rule: str) -> Segment:
        """
        Saves a rule under a name. Returns the Segment. Raises RuleSyntaxError for a bad rule (with its position), Conflict when the name is taken, ValidationError for an empty or overlong name.
        """
    def diff(self, name: str, since: int | _HasId | None = None) -> SegmentDiff:
        """
        Who entered and left segment `name` since a snapshot (default: the latest). Returns a SegmentDiff. Raises NotFound for an unknown segment or snapshot, or when there is no snapshot yet.
        """
    def evaluate(self, rule: str, limit: int | None = None, offset: int = 0) -> Table:
        """
        Evaluates an ad hoc rule. Returns the matching customers as a Table. Raises RuleSyntaxError for a bad rule, ValidationError for a bad limit.
        """
    def explain(self, name: str, customer: int | _HasId) -> Table:
        """
        Why a customer is (not) in segment `name`, clause by clause. Returns a Table. Raises NotFound for an unknown segment or customer.
        """
    def get(self, name: str) -> Segment:
        """
        Returns the saved Segment with this name. Raises NotFound for an unknown segment.
        """
    def ids(self, name: str, engine: str = 'auto') -> builtins.list[int]:
        """
        Member ids of segment `name`, ascending; engine='auto' (the default) uses the in-memory columns, 'sql' compiles the rule to SQL. Returns a builtins.list[typing.Any] of ids. Raises NotFound for an unknown segment, ValidationError for an unknown engine.
        """
    def ids_rule(self, rule: str, engine: str = 'auto') -> builtins.list[int]:
        """
        Returns the ids of the customers an ad hoc rule matches, ascending. Raises RuleSyntaxError for a bad rule, ValidationError for an unknown engine.
        """
    def list(self) -> Table:
        """
        Returns the saved segments as a Table (id, name, rule, created_at, updated_at, version). Raises nothing.
        """
    def members(self, name: str, limit: int | None = None, offset: int = 0) -> Table:
        """
        Returns the members of segment `name` as a customer Table, at most `limit` rows from `offset`. Raises NotFound for an unknown segment, ValidationError for a bad limit.
        """
    def redefine(self, name: str, rule: str) -> Segment:
        """
        Replaces a saved segment's rule. Returns the updated Segment. Raises NotFound for an unknown segment, RuleSyntaxError for a bad rule, PermissionDenied unless the view defined the segment or administers.
        """
    def remove(self, name: str) -> None:
        """
        Deletes a saved segment and its snapshots. Returns None. Raises NotFound for an unknown segment, PermissionDenied unless the view defined the segment or administers.
        """
    def snapshot(self, name: str) -> Snapshot:
        """
        Records who is in segment `name` now. Returns the Snapshot. Raises NotFound for an unknown segment.
        """
    def snapshots(self, name: str) -> Table:
        """
        Returns the snapshots of segment `name` as a Table (id, taken_at, count). Raises NotFound for an unknown segment.
        """
    def store_status(self) -> dict[str, typing.Any]:
        """
        Diagnostics of the engine's in-memory segment columns (whether they exist, how many rows and columns they hold, what was loaded). Returns a dict. Raises nothing.
        """
class Groups:
    """
    crm.groups: static lists of customers.
    """
    def __repr__(self) -> str: ...
    def add(self, name: str) -> int:
        """
        Creates a static group of customers. Returns its id. Raises Conflict when the name is taken, ValidationError for an empty or overlong name.
        """
    def add_members(self, name: str, customers: collections.abc.Iterable[typing.Any]) -> int:
        """
        Adds customers (ids or records) to a group, in one transaction. Returns how many were not members yet. Raises NotFound for an unknown group or an unknown or invisible customer (nothing is added), ValidationError for a value that is not an id.
        """
    def ids(self, name: str) -> builtins.list[int]:
        """
        Returns the member ids of a group, ascending. Raises NotFound for an unknown group.
        """
    def list(self) -> Table:
        """
        Returns the groups as a Table (id, name, members, created_at). Raises nothing.
        """
    def members(self, name: str) -> Table:
        """
        Returns the members of a group as a customer Table. Raises NotFound for an unknown group.
        """
    def remove(self, name: str) -> None:
        """
        Deletes a group (not its customers). Returns None. Raises NotFound for an unknown group.
        """
    def remove_members(self, name: str, customers: collections.abc.Iterable[typing.Any]) -> int:
        """
        Removes customers from a group, in one transaction. Returns how many were members. Raises NotFound for an unknown group or an unknown or invisible customer, ValidationError for a value that is not an id.
        """
class AutoRules:
    """
    crm.autotags / crm.autostages: rules that own a tag or a stage.
    """
    def __repr__(self) -> str: ...
    def add(self, target: str, rule: str) -> None:
        """
        Makes `rule` own the tag (crm.autotags) or lifecycle stage (crm.autostages) `target` (replacing its rule if it has one): apply() then gives it to exactly the matching customers. Returns None. Raises RuleSyntaxError for a bad rule, ValidationError for a bad target or an unknown stage, PermissionDenied unless the view administers.
        """
    def apply(self) -> dict[str, typing.Any]:
        """
        Brings tags/stages in line with the rules, in one transaction. Returns {target: {'added': n, 'removed': n}}. Raises PermissionDenied unless the view administers.
        """
    def list(self) -> Table:
        """
        Returns the rules as a Table (target, rule, ...). Raises nothing.
        """
    def remove(self, target: str) -> None:
        """
        Removes the rule of `target` (customers keep what they have). Returns None. Raises NotFound when the target has no rule.
        """
class Rfm:
    """
    crm.rfm: recency, frequency, monetary scores.
    """
    def __repr__(self) -> str: ...
    def score(self, asof: datetime.datetime | datetime.date | str | None = None) -> Table:
        """
        Recency, frequency and monetary quintile scores (1-5) of every customer with orders as of `asof` (default: now). Returns a Table (customer_id, recency_days, frequency, monetary, r, f, m, cell). Raises ValidationError for unreadable `asof`.
        """
class ClvFit:
    """
    A fitted BG/NBD + Gamma-Gamma model.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('r', 'alpha', 'a', 'b', 'log_likelihood', 'converged', 'p', 'q', 'v', 'spend_log_likelihood', 'time_unit', 'asof', 'customers')
    def __copy__(self) -> ClvFit:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> ClvFit:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __repr__(self) -> str: ...
    def fit(self, asof: datetime.datetime | datetime.date | str | None = None, time_unit: str = 'week') -> ClvFit:
        """
        Fits BG/NBD (purchases) and Gamma-Gamma (spend) by maximum likelihood on the orders up to `asof`, in units of `time_unit` (day, week or month). Returns the ClvFit. Raises ValidationError for fewer than 10 customers, no repeat purchases or a bad time unit.
        """
    def predict(self, horizon_days: typing.SupportsFloat | typing.SupportsIndex = 365.0, fit: ClvFit | None = None, asof: datetime.datetime | datetime.date | str | None = None, time_unit: str = 'week') -> Table:
        """
        Per customer: frequency, recency, T, monetary, p_alive, expected_purchases and expected_value
        over the next horizon_days; returns a Table. Without fit=, the CRM's last fit() (or predict()) is
        reused when it is for the same view, time_unit and asof (no asof: the last fit's own) and no
        order changed since; otherwise it fits first. Raises ValidationError for a horizon that is
        not a positive number, an unknown time_unit, or too few customers to fit.
        """
class Interaction:
    """
    One contact with a customer (沟通记录).
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'customer_id', 'kind', 'user_id', 'at', 'summary', 'contact_id', 'follow_up_task_id', 'created_at')
    def __copy__(self) -> Interaction:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Interaction:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'customer_id', 'title', 'kind', 'due_at', 'all_day', 'assignee_id', 'status', 'notes', 'interaction_id', 'plan_id', 'created_by', 'created_at', 'closed_at', 'updated_at', 'version')
    def __copy__(self) -> Task:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Task:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'name', 'target_kind', 'target', 'every_days', 'assignee', 'title', 'created_at', 'updated_at', 'version')
    def __copy__(self) -> RevisitPlan:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> RevisitPlan:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'customer_id', 'title', 'status', 'opened_by', 'opened_at', 'closed_by', 'closed_at', 'satisfaction', 'reopened', 'updated_at', 'version')
    def __copy__(self) -> Ticket:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Ticket:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('sku', 'qty', 'price')
    def __copy__(self) -> OrderItem:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> OrderItem:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'customer_id', 'amount', 'at', 'refund_of', 'items', 'note', 'refunded', 'created_by', 'created_at')
    def __copy__(self) -> Order:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Order:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def items(self) -> builtins.list[OrderItem]:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('idle_days', 'no_deal_days', 'warn_days', 'max_held_per_user', 'max_claims_per_day', 'reclaim_cooldown_days', 'exempt_won')
    def __copy__(self) -> PoolRules:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> PoolRules:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __repr__(self) -> str: ...
    def delete(self, interaction: int | _HasId) -> None:
        """
        Deletes an interaction (the customer's facts are recomputed). Returns None. Raises NotFound, PermissionDenied outside the view's scope.
        """
    def get(self, interaction: int | _HasId) -> Interaction:
        """
        Returns the Interaction. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def list(self, customer: int | _HasId | None = None, by: int | _HasId | None = None, since: datetime.datetime | datetime.date | str | None = None, until: datetime.datetime | datetime.date | str | None = None, limit: int | None = 50, offset: int = 0) -> Table:
        """
        Interactions, newest first, filtered by customer, author and time window. Returns a Table. Raises ValidationError for a bad time or limit.
        """
    def log(self, customer: int | _HasId, kind: str, by: int | _HasId | None = None, summary: str = '', at: datetime.datetime | datetime.date | str | None = None, contact: int | _HasId | None = None, next_follow_up: datetime.datetime | datetime.date | str | None = None, follow_up_title: str | None = None) -> Interaction:
        """
        Logs one interaction (call, visit, email, wechat, meeting, ...) with a customer; `next_follow_up` also creates a follow-up task for its author. Returns the Interaction. Raises NotFound for an unknown customer, contact or user, ValidationError for an unknown kind or a bad time, PermissionDenied outside the view's scope.
        """
    def log_many(self, rows: collections.abc.Iterable[typing.Any]) -> builtins.list[int]:
        """
        Logs many interactions (dicts with the arguments of log()) in one transaction, all or nothing. Returns their ids. Raises ValidationError naming the row and field of the first bad row (nothing is written).
        """
class Tasks:
    """
    crm.tasks: follow-up tasks and reminders (跟进提醒).
    """
    def __repr__(self) -> str: ...
    def add(self, customer: int | _HasId, title: str, due: datetime.datetime | datetime.date | str, assignee: int | _HasId | None = None, notes: str | None = None) -> Task:
        """
        A task due at an instant, or on a date (then overdue once that day ends). Returns the Task. Raises NotFound for an unknown customer or assignee, ValidationError for an empty title or a bad time, PermissionDenied outside the view's scope.
        """
    def cancel(self, task: int | _HasId, reason: str | None = None) -> Task:
        """
        Cancels an open task, with an optional reason. Returns the updated Task. Raises NotFound, ValidationError when it is not open.
        """
    def complete(self, task: int | _HasId) -> Task:
        """
        Marks a task done. Returns the updated Task. Raises NotFound, ValidationError when it is not open.
        """
    def due(self, assignee: int | _HasId | None = None, before: datetime.datetime | datetime.date | str | None = None, after: datetime.datetime | datetime.date | str | None = None) -> Table:
        """
        Open tasks due before `before` (default: the end of today) and after `after`, soonest first. Returns a Table. Raises ValidationError for a bad time, NotFound for an unknown assignee.
        """
    def get(self, task: int | _HasId) -> Task:
        """
        Returns the Task. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def list(self, customer: int | _HasId | None = None, assignee: int | _HasId | None = None, status: str | None = None, kind: str | None = None, limit: int | None = None, offset: int = 0) -> Table:
        """
        Tasks filtered by customer, assignee, status (open, done, cancelled) and kind. Returns a Table. Raises ValidationError for an unknown status or a bad limit.
        """
    def overdue(self, assignee: int | _HasId | None = None, at: datetime.datetime | datetime.date | str | None = None) -> Table:
        """
        Open tasks past their deadline at `at` (default: now). Returns a Table. Raises ValidationError for a bad time.
        """
    def reassign(self, task: int | _HasId, to: int | _HasId) -> Task:
        """
        Gives a task to another user. Returns the updated Task. Raises NotFound for an unknown task or user, ValidationError when it is not open, PermissionDenied when the view may not assign tasks to that user.
        """
class Revisits:
    """
    crm.revisits: periodic revisit plans (定期回访).
    """
    def __repr__(self) -> str: ...
    def delete(self, name: str) -> None:
        """
        Deletes a revisit plan (its tasks stay). Returns None. Raises NotFound for an unknown plan.
        """
    def get(self, name: str) -> RevisitPlan:
        """
        Returns the RevisitPlan with this name. Raises NotFound for an unknown plan.
        """
    def list(self) -> Table:
        """
        Returns the revisit plans as a Table. Raises nothing.
        """
    def plan(self, name: str, segment: str | None = None, group: str | None = None, tag: str | None = None, every_days: typing.SupportsInt | typing.SupportsIndex = 30, assignee: typing.Any = 'owner', title: str | None = None) -> RevisitPlan:
        """
        Defines (or redefines) a plan that gives every customer of one segment, group or tag a revisit task every `every_days` days, assigned to the customer's owner or a user. Returns the RevisitPlan. Raises ValidationError unless exactly one target is named or for a bad interval, NotFound for an unknown target or user.
        """
    def run(self, name: str | None = None) -> builtins.list[int]:
        """
        Creates the revisit tasks that are due, of one plan or all (idempotent). Returns the new task ids. Raises NotFound for an unknown plan.
        """
class Tickets:
    """
    crm.tickets: service tickets and satisfaction (服务记录).
    """
    def __repr__(self) -> str: ...
    def close(self, ticket: int | _HasId, satisfaction: typing.SupportsInt | typing.SupportsIndex | None = None, by: int | _HasId | None = None) -> Ticket:
        """
        Closes a ticket with an optional satisfaction score (1-5). Returns the updated Ticket. Raises NotFound, ValidationError for a score outside 1-5 or a ticket already closed.
        """
    def delete(self, ticket: int | _HasId) -> None:
        """
        Deletes a ticket and its notes. Returns None. Raises NotFound, PermissionDenied outside the view's scope.
        """
    def get(self, ticket: int | _HasId) -> Ticket:
        """
        Returns the Ticket. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def list(self, customer: int | _HasId | None = None, status: str | None = None, limit: int | None = None, offset: int = 0) -> Table:
        """
        Tickets filtered by customer and status (open, closed). Returns a Table. Raises ValidationError for an unknown status or a bad limit.
        """
    def note(self, ticket: int | _HasId, body: str, by: int | _HasId | None = None) -> int:
        """
        Adds a note to a ticket. Returns the note's id. Raises NotFound, ValidationError for an empty body.
        """
    def notes(self, ticket: int | _HasId) -> Table:
        """
        Returns the notes of a ticket as a Table, oldest first. Raises NotFound.
        """
    def open(self, customer: int | _HasId, title: str, by: int | _HasId | None = None, note: str | None = None) -> Ticket:
        """
        Opens a service ticket for a customer, with an optional first note. Returns the Ticket. Raises NotFound for an unknown customer, ValidationError for an empty title, PermissionDenied outside the view's scope.
        """
    def reopen(self, ticket: int | _HasId, reason: str | None = None) -> Ticket:
        """
        Reopens a closed ticket. Returns the updated Ticket. Raises NotFound, ValidationError when it is open.
        """
class Orders:
    """
    crm.orders: orders, repeat purchases and refunds (成交/复购).
    """
    def __repr__(self) -> str: ...
    def add(self, customer: int | _HasId, amount: typing.SupportsFloat | typing.SupportsIndex | None = None, at: datetime.datetime | datetime.date | str | None = None, items: collections.abc.Iterable[typing.Any] | None = None, note: str | None = None, refund_of: int | _HasId | None = None) -> Order:
        """
        Adds an order (or with `refund_of`, a refund) at `at` (default: now); `amount` defaults to the sum of the items (dicts with sku, qty and price). Returns the Order. Raises NotFound for an unknown customer or order, ValidationError for a missing or bad amount or item, PermissionDenied outside the view's scope.
        """
    def add_many(self, rows: collections.abc.Iterable[typing.Any]) -> builtins.list[int]:
        """
        Adds many orders (dicts with the arguments of add()) in one transaction, all or nothing. Returns their ids. Raises ValidationError naming the row and field of the first bad row (nothing is written).
        """
    def delete(self, order: int | _HasId) -> None:
        """
        Deletes an order (the customer's facts are recomputed). Returns None. Raises NotFound, PermissionDenied outside the view's scope.
        """
    def get(self, order: int | _HasId) -> Order:
        """
        Returns the Order with its items. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def list(self, customer: int | _HasId | None = None, limit: int | None = None, offset: int = 0) -> Table:
        """
        Orders, of one customer or all visible ones, newest first. Returns a Table. Raises ValidationError for a bad limit.
        """
    def refund(self, order: int | _HasId, amount: typing.SupportsFloat | typing.SupportsIndex | None = None, at: datetime.datetime | datetime.date | str | None = None, note: str | None = None) -> Order:
        """
        A negative order linked to `order` (default amount: all that remains of it). Returns the refund Order. Raises NotFound, ValidationError when the refund exceeds what remains.
        """
class Pool:
    """
    crm.pool: the public pool (公海) and its rules.
    """
    def __repr__(self) -> str: ...
    def claim(self, customer: int | _HasId, by: int | _HasId | None = None) -> None:
        """
        Takes a pool customer for `by` (default: the view's user). Returns None. Raises NotFound, Conflict when someone owns it, ValidationError naming the rule when a quota (max_held_per_user, max_claims_per_day, reclaim_cooldown_days) forbids it, PermissionDenied when the view may not claim for `by`.
        """
    def list(self, limit: int | None = None, offset: int = 0) -> Table:
        """
        Returns the customers in the pool as a Table. Raises ValidationError for a bad limit.
        """
    def preview(self, at: datetime.datetime | datetime.date | str | None = None) -> Table:
        """
        Who reclaim_idle() would return to the pool at `at` (default: now), and why; writes nothing. Returns a Table. Raises ValidationError for a bad time.
        """
    def reclaim_idle(self) -> builtins.list[int]:
        """
        Returns idle customers to the pool and reminds owners warn_days ahead. Returns the ids returned to the pool. Raises nothing for an empty pool.
        """
    def release(self, customer: int | _HasId, reason: str | None = None) -> None:
        """
        Returns a customer to the public pool (unowned), with an optional reason. Returns None. Raises NotFound, Conflict when it is in the pool already, PermissionDenied outside the view's scope.
        """
    def rules(self) -> PoolRules:
        """
        Returns the pool's PoolRules. Raises nothing.
        """
    def set_rules(self, *, idle_days: typing.SupportsInt | typing.SupportsIndex | None = None, no_deal_days: typing.SupportsInt | typing.SupportsIndex | None = None, warn_days: typing.SupportsInt | typing.SupportsIndex | None = None, max_held_per_user: typing.SupportsInt | typing.SupportsIndex | None = None, max_claims_per_day: typing.SupportsInt | typing.SupportsIndex | None = None, reclaim_cooldown_days: typing.SupportsInt | typing.SupportsIndex | None = None, exempt_won: bool | None = None) -> PoolRules:
        """
        Changes the given rules (0 disables one). Returns all the PoolRules. Raises ValidationError for a negative value, PermissionDenied unless the view administers.
        """
class Facts:
    """
    crm.facts: the derived per-customer facts.
    """
    def __repr__(self) -> str: ...
    def check(self) -> builtins.list[int]:
        """
        Returns the ids of customers whose stored facts differ from a recomputation ([] when consistent). Raises nothing.
        """
    def get(self, customer: int | _HasId) -> CustomerFacts:
        """
        Returns a customer's CustomerFacts. Raises NotFound for an unknown or invisible customer.
        """
    def rebuild(self) -> int:
        """
        Recomputes every customer's facts. Returns how many rows changed. Raises nothing.
        """
class Lead:
    """
    A lead (线索): a prospect not yet a customer.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'name', 'company', 'phone', 'email', 'source', 'status', 'owner_id', 'reason', 'fields', 'customer_id', 'contact_id', 'opportunity_id', 'created_by', 'created_at', 'updated_at', 'qualified_at', 'converted_at', 'version')
    def __copy__(self) -> Lead:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Lead:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'customer_id', 'title', 'amount', 'owner_id', 'close_date', 'stage', 'probability', 'probability_override', 'status', 'lost_reason', 'lead_id', 'fields', 'locked_by_request', 'created_by', 'created_at', 'updated_at', 'closed_at', 'version')
    def __copy__(self) -> Opportunity:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Opportunity:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'opportunity_id', 'kind', 'title', 'amount', 'discount', 'fields', 'locked_by_request', 'created_by', 'created_at', 'updated_at', 'version')
    def __copy__(self) -> Document:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Document:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('customer', 'contact', 'opportunity', 'matched_existing', 'matched_on', 'lead')
    def __copy__(self) -> ConvertResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> ConvertResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __repr__(self) -> str: ...
    def add(self, name: str = ..., *, company: str | None = ..., phone: str | None = ..., email: str | None = ..., source: str | None = ..., owner: int | _HasId | None = ..., fields: dict[str, typing.Any] | None = ...) -> Lead:
        """
        Captures a lead (status 'new').
        
        Returns the new Lead. Raises ValidationError for a missing name, a bad value or an unknown keyword, NotFound for an unknown owner.
        """
    def assign(self, lead: int | _HasId, to: int | _HasId, by: int | _HasId | None = None) -> Lead:
        """
        Gives a lead to another user. Returns the updated Lead. Raises NotFound for an unknown lead or user, PermissionDenied outside the view's scope.
        """
    def convert(self, lead: int | _HasId, by: int | _HasId | None = None, opportunity: dict[str, typing.Any] | None = None, create_opportunity: bool = True) -> ConvertResult:
        """
        Converts a lead into a customer (or matches an existing one on phone, e-mail or name), a contact and, unless create_opportunity=False, an opportunity (`opportunity` gives its attributes). Returns a ConvertResult. Raises NotFound, ValidationError when the lead was disqualified or for a bad opportunity attribute, Conflict when it was converted already, PermissionDenied outside the view's scope.
        """
    def disqualify(self, lead: int | _HasId, reason: str, by: int | _HasId | None = None) -> Lead:
        """
        Marks a lead disqualified with a reason. Returns the updated Lead. Raises NotFound, Conflict when it is disqualified or converted already, ValidationError for an empty reason, PermissionDenied outside the view's scope.
        """
    def find(self, status: str | None = None, source: str | None = None, owner: int | _HasId | None = None, limit: int | None = None, offset: int = 0) -> Table:
        """
        Leads filtered by status, source and owner. Returns a Table. Raises ValidationError for an unknown status or a bad limit.
        """
    def get(self, lead: int | _HasId) -> Lead:
        """
        Returns the Lead. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def list(self, status: str | None = None, source: str | None = None) -> Table:
        """
        Every lead with the given status and source. Returns a Table. Raises ValidationError for an unknown status.
        """
    def qualify(self, lead: int | _HasId, by: int | _HasId | None = None) -> Lead:
        """
        Marks a lead qualified. Returns the updated Lead. Raises NotFound, Conflict when it is qualified or converted already, PermissionDenied outside the view's scope.
        """
    def update(self, lead: int | _HasId, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, *, name: str = ..., company: str | None = ..., phone: str | None = ..., email: str | None = ..., source: str | None = ..., owner: int | _HasId | None = ..., fields: dict[str, typing.Any] | None = ...) -> Lead:
        """
        Changes the given attributes (None clears an optional one; the status changes only through qualify, disqualify and convert).
        
        Returns the updated Lead. Raises NotFound, Conflict when `expected_version` is stale, ValidationError for a bad value or an unknown keyword.
        """
class Opportunities:
    """
    crm.opportunities: the sales pipeline.
    """
    def __repr__(self) -> str: ...
    def add(self, *, customer: int | _HasId = ..., title: str = ..., amount: float = ..., owner: int | _HasId | None = ..., close_date: datetime.date | str | None = ..., stage: str = ..., probability: float | None = ..., fields: dict[str, typing.Any] | None = ...) -> Opportunity:
        """
        Opens an opportunity for `customer` (amount 0 and the first pipeline stage unless given; `probability` overrides the stage's).
        
        Returns the new Opportunity. Raises ValidationError for a missing customer or title, a bad value or an unknown keyword, NotFound for an unknown customer or owner, PermissionDenied for a customer outside the view's scope.
        """
    def advance(self, opportunity: int | _HasId, stage: str | None = None, by: int | _HasId | None = None) -> Opportunity:
        """
        Moves to `stage` (default: the next). May start an approval; then the opportunity is locked until it ends. Returns the updated Opportunity. Raises NotFound, ValidationError for an unknown stage, the stage it is in or a move past the last, Conflict when it is locked by a pending approval, PermissionDenied outside the view's scope.
        """
    def find(self, owner: int | _HasId | None = None, customer: int | _HasId | None = None, stage: str | None = None, status: str | None = None, where: str | None = None, limit: int | None = None, offset: int = 0) -> Table:
        """
        Opportunities filtered by owner, customer, stage, status and a `where` rule. Returns a Table. Raises ValidationError for a bad filter or limit, RuleSyntaxError for a bad rule.
        """
    def get(self, opportunity: int | _HasId) -> Opportunity:
        """
        Returns the Opportunity. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def history(self, opportunity: int | _HasId) -> Table:
        """
        Returns the opportunity's change history as a Table (at, by, field, old, new), oldest first. Raises NotFound.
        """
    def lose(self, opportunity: int | _HasId, reason: str, by: int | _HasId | None = None) -> Opportunity:
        """
        Marks an opportunity lost with a reason. Returns the updated Opportunity. Raises NotFound, ValidationError for an empty reason, Conflict when it is locked or closed already, PermissionDenied outside the view's scope.
        """
    def reopen(self, opportunity: int | _HasId, stage: str | None = None, by: int | _HasId | None = None) -> Opportunity:
        """
        Reopens a won or lost opportunity at `stage` (default: its last). Returns the updated Opportunity. Raises NotFound, Conflict when it is open, ValidationError for an unknown stage, PermissionDenied outside the view's scope.
        """
    def stage_history(self, opportunity: int | _HasId) -> Table:
        """
        Returns the opportunity's stage changes as a Table (at, from_stage, to_stage, by), oldest first. Raises NotFound.
        """
    def update(self, opportunity: int | _HasId, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, by: int | _HasId | None = None, *, customer: int | _HasId = ..., title: str = ..., amount: float = ..., owner: int | _HasId | None = ..., close_date: datetime.date | str | None = ..., stage: str = ..., probability: float | None = ..., fields: dict[str, typing.Any] | None = ...) -> Opportunity:
        """
        Changes the given attributes (probability None: the stage's again; a stage change may start an approval; the status changes only through win, lose and reopen).
        
        Returns the updated Opportunity. Raises NotFound, Conflict when `expected_version` is stale or the opportunity is locked by a pending approval, ValidationError for a bad value or an unknown keyword, PermissionDenied outside the view's scope.
        """
    def win(self, opportunity: int | _HasId, by: int | _HasId | None = None) -> Opportunity:
        """
        Marks an opportunity won. Returns the updated Opportunity. Raises NotFound, Conflict when it is locked by a pending approval or closed already, PermissionDenied outside the view's scope.
        """
class Documents:
    """
    crm.documents: quotes, contracts and other documents of opportunities.
    """
    def __repr__(self) -> str: ...
    def add(self, opportunity: int | _HasId, kind: str, *, title: str = ..., amount: float | None = ..., discount: float | None = ..., fields: dict[str, typing.Any] | None = ...) -> Document:
        """
        Attaches a document of a defined `kind` (a quote, a contract, ...) to an opportunity; `discount` is a fraction (0.2 for 20%).
        
        Returns the new Document. Raises NotFound for an unknown opportunity, ValidationError for an unknown kind, a missing title, a bad value or an unknown keyword.
        """
    def define_kind(self, kind: str) -> None:
        """
        Defines a document kind (such as 'quote' or 'contract'; defining one twice is harmless). Returns None. Raises ValidationError for an empty or overlong kind, PermissionDenied unless the view administers.
        """
    def get(self, document: int | _HasId) -> Document:
        """
        Returns the Document. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def kinds(self) -> builtins.list[str]:
        """
        Returns the defined document kinds. Raises nothing.
        """
    def list(self, opportunity: int | _HasId) -> Table:
        """
        Returns the documents of an opportunity as a Table. Raises NotFound for an unknown or invisible opportunity.
        """
    def update(self, document: int | _HasId, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, *, title: str = ..., amount: float | None = ..., discount: float | None = ..., fields: dict[str, typing.Any] | None = ...) -> Document:
        """
        Changes the given attributes (None clears amount or discount).
        
        Returns the updated Document. Raises NotFound, Conflict when `expected_version` is stale or the document is locked by a pending approval, ValidationError for a bad value or an unknown keyword.
        """
class Problem:
    """
    One problem of a workflow definition, at its JSON path.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('path', 'message')
    def __copy__(self) -> Problem:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Problem:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
        ...
    def __str__(self) -> str:
        """
        The problem as 'path: message'.
        """
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'name', 'version', 'entity', 'trigger', 'active', 'definition', 'created_at')
    def __copy__(self) -> Workflow:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Workflow:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('user_id', 'login', 'name', 'reason')
    def __copy__(self) -> RoutedApprover:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> RoutedApprover:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('name', 'runs', 'reason', 'mode', 'quorum', 'approvers', 'sla_hours', 'escalate_to', 'auto_decision', 'notes')
    def __copy__(self) -> RouteStep:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> RouteStep:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
        ...
    @property
    def approvers(self) -> builtins.list[RoutedApprover]:
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
    def notes(self) -> builtins.list[str]:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('workflow', 'version', 'entity_id', 'applies', 'reason', 'steps')
    def __copy__(self) -> Route:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Route:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def steps(self) -> builtins.list[RouteStep]:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('routes', 'records', 'requests', 'per_step', 'per_approver')
    def __copy__(self) -> ReplayResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> ReplayResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def routes(self) -> builtins.list[Route]:
        ...
class ApprovalRequest:
    """
    An approval request (a snapshot).
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'workflow', 'workflow_version', 'entity', 'entity_id', 'submitter_id', 'status', 'current_step', 'round', 'created_at', 'updated_at', 'ended_at', 'version')
    def __copy__(self) -> ApprovalRequest:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> ApprovalRequest:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
        ...
    def history(self) -> Table:
        """
        Returns the ledger entries of this request, oldest first, as a Table. Raises StorageError when the request was unpickled (it belongs to no open CRM) or the CRM is closed.
        """
    def steps(self) -> Table:
        """
        Returns the step instances of every round with their approvers and routing trace, as a Table. Raises StorageError when the request was unpickled or the CRM is closed.
        """
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('request_id', 'ok', 'status', 'current_step', 'error', 'message')
    def __copy__(self) -> BatchResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> BatchResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('id', 'delegator_id', 'delegate_id', 'start', 'end')
    def __copy__(self) -> Delegation:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Delegation:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('ok', 'entries', 'first_bad', 'reason', 'head')
    def __bool__(self) -> bool:
        ...
    def __copy__(self) -> Verification:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> Verification:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __repr__(self) -> str: ...
    def deactivate(self, name: str) -> None:
        """
        Stops a workflow from starting new requests (running ones continue). Returns None. Raises NotFound, PermissionDenied unless the view administers.
        """
    def define(self, definition: typing.Any) -> Workflow:
        """
        Stores a sound definition (a dict[str, typing.Any] or JSON text) as the workflow's next version. Returns the Workflow. Raises WorkflowError listing every problem otherwise, PermissionDenied unless the view administers.
        """
    def get(self, name: str, version: typing.SupportsInt | typing.SupportsIndex | None = None) -> Workflow:
        """
        Returns the active version of a workflow, or version `version`. Raises NotFound for an unknown workflow or version.
        """
    def list(self, all_versions: bool = False) -> Table:
        """
        Returns the workflows as a Table (their active versions, or every version with all_versions=True). Raises nothing.
        """
    def replay(self, definition: typing.Any, where: str | None = None) -> ReplayResult:
        """
        Routes every existing record matching `where` through a draft definition; writes nothing. Returns a ReplayResult (routes, counts per step and approver). Raises WorkflowError for an unsound definition, RuleSyntaxError for a bad rule.
        """
    def simulate(self, name: str, record: typing.Any, by: int | _HasId | None = None) -> Route:
        """
        The route a record (a dict[str, typing.Any] of field values, or an existing record's id) would take through workflow `name`; writes nothing. Returns a Route with its steps and their approvers. Raises NotFound for an unknown workflow or record, ValidationError for a bad record.
        """
    def validate(self, definition: typing.Any) -> builtins.list[Problem]:
        """
        Checks a definition without storing it. Returns every Problem with its JSON path ([] when sound). Raises nothing for a bad definition.
        """
class Approvals:
    """
    crm.approvals: the approval engine.
    """
    def __repr__(self) -> str: ...
    def approve(self, request: int | _HasId, by: int | _HasId | None = None, comment: str | None = None, step: str | None = None) -> ApprovalRequest:
        """
        Approves the current step (or `step`) of a request as `by`. Returns the updated ApprovalRequest. Raises NotFound, PermissionDenied when `by` is not an approver of the step, Conflict when `by` decided the step already, WorkflowError when the request is not pending.
        """
    def approve_many(self, requests: collections.abc.Sequence[int | _HasId], by: int | _HasId | None = None, comment: str | None = None, step: str | None = None) -> builtins.list[BatchResult]:
        """
        Approves many requests as one user in one call and returns a builtins.list[typing.Any] of BatchResult, one per
        request in order (ok, status, current_step; or error and message). The batch is one
        transaction with each request in its own savepoint: a refused request (NotFound,
        PermissionDenied, Conflict, WorkflowError) changes nothing and the others are still decided,
        each with the rows and ledger entry approve() writes. `step`: the step every request must be
        at (Conflict for one that is not). Raises ValidationError for a bad comment and
        PermissionDenied when the system view names no user; a storage failure rolls back the batch.
        """
    def delegate(self, user: int | _HasId, to: int | _HasId, start: datetime.datetime | datetime.date | str, end: datetime.datetime | datetime.date | str) -> Delegation:
        """
        Lets `to` approve in `user`'s place from `start` to `end`. Returns the Delegation. Raises NotFound for an unknown user, ValidationError for a reversed window or a self-delegation, WorkflowError when it would make a delegation loop.
        """
    def delegations(self, user: int | _HasId | None = None) -> Table:
        """
        Returns the delegations, of one user or all, as a Table. Raises nothing.
        """
    def escalate_overdue(self) -> Table:
        """
        Escalates every pending step past its SLA to its escalation target. Returns the escalations as a Table. Raises nothing.
        """
    def get(self, request: int | _HasId) -> ApprovalRequest:
        """
        Returns the ApprovalRequest. Raises NotFound for an unknown id or one outside the view's scope.
        """
    def history(self, request: int | _HasId) -> Table:
        """
        Returns the ledger entries of a request, oldest first, as a Table. Raises NotFound.
        """
    def inbox(self, user: int | _HasId) -> Table:
        """
        Returns the pending steps `user` may decide (directly or by delegation) as a Table. Raises NotFound for an unknown user.
        """
    def list(self, status: str | None = None, entity: str | None = None, record: int | _HasId | None = None) -> Table:
        """
        Requests filtered by status, entity and record. Returns a Table. Raises ValidationError for an unknown status.
        """
    def recall(self, request: int | _HasId, by: int | _HasId | None = None, comment: str | None = None) -> ApprovalRequest:
        """
        Withdraws a pending request (only its submitter may). Returns the updated ApprovalRequest. Raises NotFound, PermissionDenied for anyone else, WorkflowError when it is not pending.
        """
    def reject(self, request: int | _HasId, by: int | _HasId | None = None, comment: str | None = None, step: str | None = None) -> ApprovalRequest:
        """
        Rejects a request at its current step (or `step`) as `by`. Returns the updated ApprovalRequest. Raises NotFound, PermissionDenied when `by` is not an approver of the step, Conflict when `by` decided the step already, WorkflowError when the request is not pending.
        """
    def resubmit(self, request: int | _HasId, by: int | _HasId | None = None, comment: str | None = None) -> ApprovalRequest:
        """
        Starts a new round of a rejected or recalled request (only its submitter may). Returns the updated ApprovalRequest. Raises NotFound, PermissionDenied for anyone else, WorkflowError when it cannot be resubmitted.
        """
    def revoke_delegation(self, delegation: int | _HasId) -> None:
        """
        Ends a delegation. Returns None. Raises NotFound for an unknown delegation.
        """
    def steps(self, request: int | _HasId) -> Table:
        """
        Returns the step instances of every round of a request with their approvers, as a Table. Raises NotFound.
        """
    def submit(self, entity: str, record: int | _HasId, workflow: str | None = None, by: int | _HasId | None = None, comment: str | None = None) -> ApprovalRequest:
        """
        Starts an approval of a record (entity 'opportunity', 'customer', ...) through `workflow` (default: the one its trigger selects); the record is locked while it is pending. Returns the ApprovalRequest. Raises NotFound for an unknown record or workflow, WorkflowError when no workflow applies, Conflict when a request is already pending, PermissionDenied outside the view's scope.
        """
class Audit:
    """
    crm.audit: the hash-chained approval ledger.
    """
    def __repr__(self) -> str: ...
    def entries(self, after: int | None = None, limit: int | None = None) -> Table:
        """
        Ledger entries after entry `after`, oldest first, at most `limit`. Returns a Table. Raises ValidationError for a bad limit.
        """
    def head(self) -> str:
        """
        Returns the latest ledger hash ('' when empty), to keep elsewhere and pass to verify(). Raises nothing.
        """
    def verify(self, expected_head: str | None = None) -> Verification:
        """
        Recomputes the hash chain of the ledger (and, given `expected_head`, checks nothing was cut off). Returns a Verification (truthy when intact, else the first bad entry and why). Raises nothing for a broken ledger.
        """
class Reports:
    """
    crm.reports: funnel, conversion, win rate, velocity, stage durations, forecast, repurchase, activity, lifecycle and approval-step analytics (docs/reports.md). Every report takes start= and end= (start <= t < end on the report's timestamp), owner=, team= (with its sub-teams) and where= (a rule), and respects the view's scope.
    """
    def __repr__(self) -> str: ...
    def activity(self, by: str = 'owner', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Interactions, tasks done and overdue, tickets opened and closed and mean satisfaction, by owner | team | kind. Returns a Table. Raises ValidationError for an unknown `by` or a bad filter.
        """
    def approval_steps(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None, min_decisions: typing.SupportsInt | typing.SupportsIndex = 20, max_reject_rate: typing.SupportsFloat | typing.SupportsIndex = 0.02, min_median_wait_hours: typing.SupportsFloat | typing.SupportsIndex = 24.0, bottleneck_share: typing.SupportsFloat | typing.SupportsIndex = 0.5) -> Table:
        """
        Per workflow step: requests, outcomes, reject and skip rates, escalations, waits, and whether it is a bottleneck by the given thresholds. Returns a Table. Raises ValidationError for a bad threshold or filter.
        """
    def conversion(self, by: str = 'source', period: str = 'month', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Leads -> qualified -> converted -> won by source | owner | team | period, with rates. Returns a Table. Raises ValidationError for an unknown `by` or `period` or a bad filter.
        """
    def forecast(self, period: str = 'month', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Weighted pipeline by expected close period plus won amounts, per month | quarter | year. Returns a Table. Raises ValidationError for an unknown period or a bad filter.
        """
    def funnel(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Per pipeline stage: stage, count, amount, weighted_amount, reached and conversion. Returns a Table. Raises ValidationError for a bad filter, RuleSyntaxError for a bad `where` rule.
        """
    def lifecycle(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Per lifecycle stage: customers now, entered and left in the window. Returns a Table. Raises ValidationError for a bad filter.
        """
    def lifecycle_flows(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Lifecycle stage changes in the window: from_stage, to_stage, changes. Returns a Table. Raises ValidationError for a bad filter.
        """
    def repurchase_rate(self, period: str = 'quarter', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Per period: customers who bought, those who had bought before, and the repurchase rate. Returns a Table. Raises ValidationError for an unknown period or a bad filter.
        """
    def stage_durations(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Per pipeline stage: opportunities, mean_days, median_days, p90_days. Returns a Table. Raises ValidationError for a bad filter.
        """
    def velocity(self, *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        One row: open opportunities, win rate, average won amount, average cycle days and the pipeline velocity. Returns a Table. Raises ValidationError for a bad filter.
        """
    def win_rate(self, by: str = 'owner', period: str = 'month', *, start: datetime.datetime | datetime.date | str | None = None, end: datetime.datetime | datetime.date | str | None = None, owner: int | _HasId | None = None, team: int | _HasId | None = None, where: str | None = None) -> Table:
        """
        Won, lost and win_rate of closed opportunities by owner | team | source | period. Returns a Table. Raises ValidationError for an unknown `by` or `period` or a bad filter.
        """
class Clock:
    """
    crm.clock: the engine's notion of now; freeze and advance it in tests.
    """
    def __repr__(self) -> str: ...
    def advance(self, days: typing.SupportsFloat | typing.SupportsIndex = 0.0, hours: typing.SupportsFloat | typing.SupportsIndex = 0.0, minutes: typing.SupportsFloat | typing.SupportsIndex = 0.0, seconds: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> None:
        """
        Moves a frozen clock forward (or a running one, by offsetting it) by the given days, hours, minutes and seconds. Returns None. Raises StorageError once the CRM is closed.
        """
    def freeze(self, at: datetime.datetime | datetime.date | str) -> None:
        """
        Stops the clock at `at` (a datetime, a date or ISO text); every write then carries that instant. Returns None. Raises ValidationError for unreadable text, StorageError once the CRM is closed.
        """
    def now(self) -> datetime.datetime:
        """
        Returns the engine's current instant (a timezone-aware UTC datetime): the frozen time, or the system clock. Raises StorageError once the CRM is closed.
        """
    def unfreeze(self) -> None:
        """
        Lets the clock run again from the system time. Returns None. Raises StorageError once the CRM is closed.
        """
    @property
    def frozen(self) -> bool:
        ...
class Transaction:
    """
    A transaction scope: use `with crm.transaction():`.
    """
    def __repr__(self) -> str: ...
    def __enter__(self) -> Transaction:
        ...
    def __exit__(self, arg0: typing.Any, arg1: typing.Any, arg2: typing.Any) -> typing.Literal[False]:
        ...
class Crm:
    """
    One opened CRM database: the system view, or a view scoped to a user.
    """
    def __repr__(self) -> str: ...
    def __enter__(self) -> Crm:
        ...
    def __exit__(self, arg0: typing.Any, arg1: typing.Any, arg2: typing.Any) -> typing.Literal[False]:
        ...
    def as_user(self, user: typing.Any) -> Crm:
        """
        The same CRM seen and changed as `user` (a User, an id or a login): reads are scoped and writes checked by that user's role. Returns a new Crm view sharing this one's connection. Raises NotFound for an unknown user, StorageError once the CRM is closed.
        """
    def backup(self, path: typing.Any) -> BackupResult:
        """
        Copies every committed transaction into the new file `path` with SQLite's online backup API (other processes may keep writing) and verifies the copy; returns a BackupResult. Raises ValidationError (field 'path') when the file exists or its directory does not, StorageError inside a transaction or when the copy does not verify, PermissionDenied without the admin role.
        """
    def check(self) -> CheckResult:
        """
        Checks the database without changing it: SQLite integrity and foreign keys, derived facts against a rebuild, the approval ledger's hash chain, the change feed's continuity and the schema version. Returns a CheckResult (.ok, .problems). Raises PermissionDenied without the admin role.
        """
    def close(self) -> None:
        """
        Closes this view; the connection closes (with a WAL checkpoint) when the last view of it closes. Returns None. Raises nothing when already closed.
        """
    def history(self, entity: str, id: int | _HasId) -> Table:
        """
        Who changed what and when on one record: `entity` is 'customer', 'contact', 'opportunity', 'lead', 'user' or another audited entity, `id` its id or the record. Returns a Table (at, by, field, old, new), oldest first. Raises ValidationError for an unknown entity, NotFound for a record outside the view's scope.
        """
    def transaction(self) -> Transaction:
        """
        A scope: `with crm.transaction():` commits on a clean exit and rolls back on an exception; nested blocks are savepoints. Returns a Transaction context manager. Raises (on entering) StorageError once the CRM is closed, Error when the scope is misused (entered twice, ended on another thread).
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
    def exports(self) -> crmkit.exports.Exports:
        """
        crm.exports: write a Table, a segment or an entity to CSV/XLSX. Returns the view's
                Exports service. Raises nothing.
        """
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
    def timezone(self) -> str:
        """
        The database's time zone, an IANA name ('UTC', 'Asia/Shanghai'): the calendar of report periods, due dates, the pool's daily quota, date text without an offset and dates in rules. Assigning changes it for the database (recorded in history; all-day tasks keep their dates); raises PermissionDenied unless the view is the system view or an admin, ValidationError for an unknown name.
        """
    @timezone.setter
    def timezone(self, arg1: typing.Any) -> None:
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
    def __repr__(self) -> str: ...
    def latest(self) -> int:
        """
        Returns the newest event id: the cursor that starts from now. Raises nothing.
        """
    def oldest(self) -> int:
        """
        Returns the oldest event id still retained. Raises nothing.
        """
    def since(self, cursor: typing.SupportsInt | typing.SupportsIndex = 0, limit: typing.SupportsInt | typing.SupportsIndex = 100) -> Table:
        """
        Events after `cursor` (0: from the first), oldest first, at most `limit`: id (the next cursor), at, kind, entity, entity_id, payload. Returns a Table. Raises ValidationError for a negative cursor or a bad limit.
        """
class BackupResult:
    """
    The result of crm.backup(): the copy's path, pages, bytes, schema version.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('path', 'pages', 'bytes', 'schema_version')
    def __copy__(self) -> BackupResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> BackupResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
        ...
    @property
    def bytes(self) -> int:
        ...
    @property
    def pages(self) -> int:
        ...
    @property
    def path(self) -> str:
        ...
    @property
    def schema_version(self) -> int:
        ...
class CheckProblem:
    """
    One problem crm.check() found: the check that found it and a message.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('check', 'message')
    def __copy__(self) -> CheckProblem:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> CheckProblem:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
        ...
    @property
    def check(self) -> str:
        ...
    @property
    def message(self) -> str:
        ...
class CheckResult:
    """
    The result of crm.check(): ok, problems (CheckProblem records), the checks that ran and what they saw.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('ok', 'problems', 'checks', 'schema_version', 'customers', 'ledger_entries', 'events')
    def __bool__(self) -> bool:
        ...
    def __copy__(self) -> CheckResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> CheckResult:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
        ...
    @property
    def checks(self) -> builtins.list[str]:
        ...
    @property
    def customers(self) -> int:
        ...
    @property
    def events(self) -> int:
        ...
    @property
    def ledger_entries(self) -> int:
        ...
    @property
    def ok(self) -> bool:
        ...
    @property
    def problems(self) -> builtins.list[CheckProblem]:
        ...
    @property
    def schema_version(self) -> int:
        ...
class _CsvRows:
    """
    The rows of a CSV file, read as they are iterated.
    """
    def __iter__(self) -> typing.Any:
        ...
    def __next__(self) -> tuple[int, int, builtins.list[str], str]:
        ...
    @property
    def consumed(self) -> int:
        ...
    @property
    def encoding(self) -> str:
        ...
    @property
    def header(self) -> builtins.list[str]:
        ...
    @property
    def total(self) -> int:
        ...
class ImportReport:
    """
    What an import did (or, with dry_run=True, would do): counts, problems and matches.
    """
    def __eq__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def to_dict(self) -> dict[str, typing.Any]:
        """Returns the record as a dict of its attributes; nested records become dicts too. Raises nothing."""
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    _fields: typing.ClassVar[tuple[str, ...]] = ('entity', 'encoding', 'rows', 'created', 'updated', 'skipped', 'failed', 'dry_run', 'committed', 'problems', 'matches')
    def __copy__(self) -> ImportReport:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __deepcopy__(self, memo: typing.Any) -> ImportReport:
        """
        A copy of this record (records are immutable snapshots).
        """
    def __getstate__(self) -> tuple[typing.Any, ...]:
        ...
    def __setstate__(self, arg0: tuple[typing.Any, ...]) -> None:
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
    def __repr__(self) -> str: ...
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
    def targets(self, entity: str) -> builtins.list[str]:
        """
        Returns the fields an import of `entity` accepts as mapping targets (a builtins.list[typing.Any] of str). Raises ValidationError for an entity that cannot be imported.
        """
def _all_contacts(crm: Crm, limit: int | None = None, offset: int = 0) -> Table:
    """
    Every contact the view `crm` may read, ordered by id (a Table; the rows of exports('contacts')).
    """
def _busy_retries() -> dict[str, typing.Any]:
    """
    Diagnostics: how often this process's connections found the database locked by another process's writer since the process started (a dict[str, typing.Any] of int): `waits` lock encounters, `retries` attempts after a sleep, `waited_ms` the time slept. Waits within the busy timeout never reach the caller. Raises nothing.
    """
def _read_csv(path: typing.Any, encoding: str | None = None, delimiter: str = ',') -> _CsvRows:
    """
    Opens a CSV file (encoding None: detected) and returns its rows as an iterator of (row, line, cells, problem) with .header, .encoding, .consumed and .total (bytes). Raises ValidationError naming the file when it is missing, empty, binary or in an unknown encoding.
    """
def _set_log_queue_capacity(capacity: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    Testing aid: how many log records may wait for delivery (10000 by default); returns the previous capacity. Raises ValidationError for 0.
    """
def _write_csv(table: Table, path: typing.Any, columns: collections.abc.Sequence[str] = [], headers: collections.abc.Sequence[str] = [], bom: bool = True) -> int:
    """
    Writes the table's `columns` (empty: all) under `headers` as CSV (UTF-8 with a BOM unless bom=False); returns the number of rows written. Raises ValidationError for a missing directory or an unknown column.
    """
def log_level() -> str:
    """
    Returns the engine's current log level name (trace ... critical, off), as set by the effective level of logging.getLogger('crmkit'). Raises nothing.
    """
def normalize_phone(phone: str) -> str:
    """
    Returns the E.164 key leads and customers are matched on (region CN by default); '' when it is not a valid number. Raises nothing.
    """
def open(path: typing.Any = ':memory:', synchronous: str = 'normal', busy_timeout: typing.SupportsFloat | typing.SupportsIndex = 10.0, timezone: str | None = None) -> Crm:
    """
    Opens (creating and migrating) a CRM database; ':memory:' for a throwaway one. Returns the system view (a Crm). `synchronous` is 'normal' or 'full' (fsync every commit); `busy_timeout` is how many seconds to wait for another process's write lock; `timezone` (an IANA name such as 'Asia/Shanghai') is the database's calendar: stored by the first open that names one; None uses the stored zone (UTC if none). Raises ValidationError for an unknown zone, Conflict when it differs from the stored zone (change that with crm.timezone = ...), StorageError for a file that is not a crmkit database.
    """
def set_log_level(level: typing.Any) -> None:
    """
    Sets the level of logging.getLogger('crmkit') (trace, debug, info, warning, error, critical, off, or a logging level number), which is what the engine follows: the same as logger.setLevel(). Returns None; raises ValidationError (field 'level') for an unknown name.
    """
SCHEMA_VERSION: int = 12
