package apierror

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Constraints is a service's one table from database constraint names to
// what a violation means for a client. A constraint it does not list falls
// through to the SQLSTATE mapping of FromError.
type Constraints map[string]Constraint

// MergeConstraints is the one table of a service whose tables are written
// beside the code of each part. A constraint answered twice is a mistake
// the service must not start with: it panics.
func MergeConstraints(tables ...Constraints) Constraints {
	all := Constraints{}
	for _, t := range tables {
		for name, c := range t {
			if _, dup := all[name]; dup {
				panic("apierror: constraint " + name + " answered twice")
			}
			all[name] = c
		}
	}
	return all
}

// Constraint says what a violation of one constraint answers.
type Constraint struct {
	Code codes.Code
	// Reason is a value of an ErrorReason enum of the contract; nil means
	// the platform's reason for Code.
	Reason protoreflect.Enum
	// Field is the request field ("parent", "asset.category") the violation
	// is about. NOT_FOUND names the resource the field holds; INVALID_ARGUMENT
	// puts Description on the field; other codes start the message with the
	// field's value.
	Field       string
	Description string
	// OnDelete, when set, answers instead when a Delete method violates the
	// constraint: for a foreign key, rows still refer to the one deleted.
	OnDelete *Constraint
}

// Translate returns the answer of the table for err, made while serving
// method (its full gRPC name) for req, or err itself when no entry applies.
func (c Constraints) Translate(err error, method string, req proto.Message) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName == "" {
		return err
	}
	entry, ok := c[pgErr.ConstraintName]
	if !ok {
		return err
	}
	if entry.OnDelete != nil && strings.HasPrefix(method[strings.LastIndex(method, "/")+1:], "Delete") {
		entry = *entry.OnDelete
	}
	return entry.answer(req)
}

func (c Constraint) answer(req proto.Message) *Error {
	value := fieldValue(req, c.Field)
	switch c.Code {
	case codes.NotFound:
		return NotFound(value)
	case codes.InvalidArgument:
		return InvalidField(c.Field, c.Description)
	}
	e := &Error{Code: c.Code, Message: strings.TrimSpace(value + " " + c.Description)}
	if c.Reason != nil {
		e.Reason = Reason(c.Reason)
	} else {
		e.Reason = platformReason(c.Code)
	}
	return e
}

func platformReason(code codes.Code) string {
	switch code {
	case codes.AlreadyExists:
		return ReasonAlreadyExists
	case codes.Aborted:
		return ReasonConflict
	}
	return ReasonFailedPrecondition
}

// fieldValue reads the string at a dotted path of req; "" when unset.
func fieldValue(req proto.Message, path string) string {
	if req == nil || path == "" {
		return ""
	}
	msg := req.ProtoReflect()
	names := strings.Split(path, ".")
	for i, name := range names {
		fd := msg.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			return ""
		}
		if i == len(names)-1 {
			if fd.Kind() != protoreflect.StringKind {
				return ""
			}
			return msg.Get(fd).String()
		}
		if fd.Message() == nil || !msg.Has(fd) {
			return ""
		}
		msg = msg.Get(fd).Message()
	}
	return ""
}

// Register returns desc with c applied to every method's error, inside the
// server's interceptors (after authentication, scope and validation), so
// that handlers return store errors as they come.
func (c Constraints) Register(desc *grpc.ServiceDesc) *grpc.ServiceDesc {
	out := *desc
	out.Methods = make([]grpc.MethodDesc, len(desc.Methods))
	translate := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		resp, err := next(ctx, req)
		if err != nil {
			msg, _ := req.(proto.Message)
			return nil, c.Translate(err, info.FullMethod, msg)
		}
		return resp, nil
	}
	for i, m := range desc.Methods {
		handler := m.Handler
		out.Methods[i] = grpc.MethodDesc{MethodName: m.MethodName, Handler: func(srv any, ctx context.Context, dec func(any) error, outer grpc.UnaryServerInterceptor) (any, error) {
			if outer == nil {
				return handler(srv, ctx, dec, translate)
			}
			return handler(srv, ctx, dec, func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
				return outer(ctx, req, info, func(ctx context.Context, req any) (any, error) {
					return translate(ctx, req, info, next)
				})
			})
		}}
	}
	return &out
}
