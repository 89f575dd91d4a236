"""Apply plans to the libcst tree: comments, blank lines and formatting stay as they were.

Statements are found by their first line (libcst's position of a statement is
where its code starts, as ``ast``'s ``lineno``), expressions by their exact
span. An edit that finds nothing to apply to (a statement sharing its line with
another, a one-line ``if x: stmt`` suite) is reported as not applied, and the
caller drops its plan.
"""
from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .plans import AddImport, Plan, RemoveClose, ReplaceExpression, WrapRun


class NotApplied(Exception):
    """Some edit found no place to apply: the plans are dropped."""


def apply(source: str, plans: list[Plan]) -> str:
    """The new text with every plan's edits; raises :class:`NotApplied` or a libcst error."""
    module = cst.parse_module(source)
    rewriter = Rewriter(plans)
    new = MetadataWrapper(module, unsafe_skip_copy=True).visit(rewriter)
    missing = [edit for plan in plans for edit in plan.edits if id(edit) not in rewriter.applied]
    if missing:
        raise NotApplied(missing)
    return new.code


def _position(transformer, node):
    return transformer.get_metadata(PositionProvider, node, None)


def _pass_line() -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Pass()])


def _is_close_call(statement: cst.CSTNode, target: str | None = None) -> cst.Call | None:
    """The ``x.close()`` call of a one-statement line."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    expr = statement.body[0]
    if not isinstance(expr, cst.Expr) or not isinstance(expr.value, cst.Call):
        return None
    call = expr.value
    if call.args or not isinstance(call.func, cst.Attribute) or call.func.attr.value != "close":
        return None
    if target is not None and not (isinstance(call.func.value, cst.Name) and call.func.value.value == target):
        return None
    return call


class Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, plans: list[Plan]):
        super().__init__()
        self.applied: set[int] = set()
        self.wraps: dict[int, WrapRun] = {}
        self.removals: dict[int, RemoveClose] = {}
        self.expressions: dict[tuple, object] = {}  # span -> ReplaceExpression or WrapRun (temporary)
        self.imports: list[AddImport] = []
        self.captured: dict[int, cst.BaseExpression] = {}
        self.flatten: set[int] = set()  # ids of updated Try nodes to replace by their body
        self.inserted_pass: set[int] = set()
        for plan in plans:
            for edit in plan.edits:
                if isinstance(edit, WrapRun):
                    self.wraps[edit.first_line] = edit
                    if edit.call is not None:
                        self.expressions[edit.call] = edit
                elif isinstance(edit, RemoveClose):
                    self.removals[edit.line] = edit
                elif isinstance(edit, ReplaceExpression):
                    self.expressions[edit.span] = edit
                elif isinstance(edit, AddImport):
                    if all((i.module, i.name) != (edit.module, edit.name) for i in self.imports):
                        self.imports.append(edit)
                    else:
                        self.applied.add(id(edit))

    # -- expressions -----------------------------------------------------------
    def on_leave(self, original_node, updated_node):
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.BaseExpression) and self.expressions:
            position = _position(self, original_node)
            if position is not None:
                key = (position.start.line, position.start.column, position.end.line, position.end.column)
                edit = self.expressions.get(key)
                if isinstance(edit, WrapRun) and id(edit) not in self.captured:
                    self.captured[id(edit)] = result
                    return cst.Name(edit.target)
                if isinstance(edit, ReplaceExpression) and id(edit) not in self.applied:
                    self.applied.add(id(edit))
                    code = cst.Module([]).code_for_node(result)
                    return cst.parse_expression(edit.template.format(code))
        if isinstance(result, cst.BaseCompoundStatement) and not isinstance(result, cst.Try):
            result = self._fill_empty(result)
        return result

    def _fill_empty(self, node):
        body = getattr(node, "body", None)
        if isinstance(body, cst.IndentedBlock) and not body.body:
            inserted = _pass_line()
            self.inserted_pass.add(id(inserted))
            return node.with_changes(body=body.with_changes(body=[inserted]))
        return node

    def leave_ExceptHandler(self, original_node, updated_node):
        return self._fill_empty(updated_node)

    def leave_Else(self, original_node, updated_node):
        return self._fill_empty(updated_node)

    # -- try / finally left empty by a removed close() -----------------------------
    def leave_Try(self, original_node, updated_node):
        updated_node = self._fill_empty(updated_node)
        final = updated_node.finalbody
        if final is not None and not final.body.body:
            if updated_node.handlers:
                return updated_node.with_changes(finalbody=None)
            if updated_node.orelse is None:
                self.flatten.add(id(updated_node))
                return updated_node
            return updated_node.with_changes(finalbody=final.with_changes(body=final.body.with_changes(body=[_pass_line()])))
        return updated_node

    # -- statement lists -------------------------------------------------------------
    def leave_IndentedBlock(self, original_node, updated_node):
        return updated_node.with_changes(body=self._statements(original_node.body, updated_node.body))

    def leave_Module(self, original_node, updated_node):
        body = self._statements(original_node.body, updated_node.body)
        for edit in self.imports:
            body = _add_import(body, edit)
            self.applied.add(id(edit))
        return updated_node.with_changes(body=body)

    def _statements(self, original, updated) -> list:
        lines = []
        for statement in original:
            position = _position(self, statement)
            lines.append(position.start.line if position is not None else -1)
        statements = list(updated)
        if len(statements) != len(lines):
            return statements
        for index in range(len(statements) - 1, -1, -1):
            removal = self.removals.get(lines[index])
            if removal is not None and id(removal) not in self.applied:
                replaced = self._remove_close(statements[index], removal)
                if replaced is not None:
                    statements[index:index + 1] = replaced
                    del lines[index + 1:index + 1]
                    lines[index:index + 1] = [lines[index]] * len(replaced)
                    self.applied.add(id(removal))
        for index in range(len(lines) - 1, -1, -1):
            wrap = self.wraps.get(lines[index])
            if wrap is not None and id(wrap) not in self.applied and lines.count(lines[index]) == 1:
                if wrap.last_line in lines[index:] and lines.count(wrap.last_line) == 1:
                    end = lines.index(wrap.last_line, index)
                    built = self._wrap(statements[index:end + 1], wrap)
                    if built is not None:
                        statements[index:end + 1] = [built]
                        lines[index:end + 1] = [lines[index]]
                        self.applied.add(id(wrap))
        return self._flatten(statements)

    def _flatten(self, statements: list) -> list:
        result = []
        for statement in statements:
            if id(statement) in self.flatten:
                inner = list(statement.body.body)
                if inner:
                    inner[0] = inner[0].with_changes(leading_lines=[*statement.leading_lines, *inner[0].leading_lines])
                result.extend(inner)
            else:
                result.append(statement)
        return result

    def _remove_close(self, statement, removal: RemoveClose) -> list | None:
        call = _is_close_call(statement)
        if call is None:
            return None
        if removal.keep_receiver:
            expr = statement.body[0].with_changes(value=call.func.value)
            return [statement.with_changes(body=[expr])]
        return []

    def _wrap(self, statements: list, wrap: WrapRun):
        first = statements[0]
        if not isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return None
        if isinstance(first, cst.SimpleStatementLine) and len(first.body) != 1:
            return None
        last = statements[-1]
        if isinstance(last, cst.SimpleStatementLine) and len(last.body) != 1:
            return None
        leading = first.leading_lines
        if wrap.bind_line:
            assign = first.body[0] if isinstance(first, cst.SimpleStatementLine) else None
            if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1
                    and isinstance(assign.targets[0].target, cst.Name)
                    and assign.targets[0].target.value == wrap.target):
                return None
            header_value = assign.value
            inner = list(statements[1:])
            header = first.trailing_whitespace
        else:
            header_value = self.captured.get(id(wrap))
            if header_value is None:
                return None
            inner = [first.with_changes(leading_lines=[]), *statements[1:]]
            header = cst.TrailingWhitespace()
        if wrap.drop_last == "close" and inner and _is_close_call(inner[-1], wrap.target) is not None:
            if not any(line.comment for line in inner[-1].leading_lines):  # a comment above it stays with it
                inner.pop()
        elif wrap.drop_last == "try" and inner and isinstance(inner[-1], cst.Try):
            inner[-1] = self._without_closing_finally(inner[-1], wrap.target)
            if inner[-1] is None:
                return None
            if isinstance(inner[-1], list):
                inner[-1:] = inner[-1]
        if not inner:
            inner = [_pass_line()]
        if wrap.closing:
            header_value = cst.Call(func=cst.parse_expression(wrap.closing), args=[cst.Arg(header_value)])
        return cst.With(
            items=[cst.WithItem(item=header_value, asname=cst.AsName(name=cst.Name(wrap.target)))],
            body=cst.IndentedBlock(body=inner, header=header),
            leading_lines=leading,
        )

    @staticmethod
    def _without_closing_finally(node: cst.Try, target: str):
        final = node.finalbody
        if final is None or len(final.body.body) != 1 or _is_close_call(final.body.body[0], target) is None:
            return None
        if node.handlers:
            return node.with_changes(finalbody=None)
        if node.orelse is not None:
            return None
        inner = list(node.body.body)
        inner[0] = inner[0].with_changes(leading_lines=[*node.leading_lines, *inner[0].leading_lines])
        return inner


def _add_import(body: list, edit: AddImport) -> list:
    body = list(body)
    if edit.name is not None:
        for index, statement in enumerate(body):
            if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
                node = statement.body[0]
                if (isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None
                        and cst.Module([]).code_for_node(node.module) == edit.module
                        and not isinstance(node.names, cst.ImportStar)):
                    names = [n.with_changes(comma=cst.MaybeSentinel.DEFAULT) for n in node.names]
                    names.append(cst.ImportAlias(name=cst.Name(edit.name)))
                    names = [n.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                             for n in names[:-1]] + names[-1:]
                    body[index] = statement.with_changes(body=[node.with_changes(names=names)])
                    return body
    position = 0
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        ):
            position = index + 1
        elif index == 0 and _is_docstring(statement):
            position = 1
        else:
            break
    line = cst.parse_statement(f"import {edit.module}\n")
    body.insert(position, line)
    return body


def _is_docstring(statement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
