package dev.persistence.quarkus.deployment;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.MethodInfo;
import org.jboss.jandex.Type;

import dev.persistence.cdi.spi.LockedSignature;

/*
 * The build-time reader of a LockedSignature: a method of the Jandex index, read without loading
 * any application class. Its run-time twin is the portable module's ReflectedSignature; both list
 * the return type's supertypes in the same order (the type, its interfaces depth first, then its
 * superclass; an interface has no superclass). The computing index reads JDK and library classes
 * the application index lacks, so a CompletableFuture is seen to be a CompletionStage.
 */

/** The {@link LockedSignature} of a method of the index. */
final class IndexedSignature implements LockedSignature {

    private final MethodInfo method;
    private final IndexView index;

    IndexedSignature(MethodInfo method, IndexView index) {
        this.method = method;
        this.index = index;
    }

    @Override
    public String declaringClass() {
        return method.declaringClass().name().toString();
    }

    @Override
    public String name() {
        return method.name();
    }

    @Override
    public List<String> parameterTypes() {
        List<String> types = new ArrayList<>(method.parametersCount());
        for (Type type : method.parameterTypes()) {
            types.add(type.name().toString());
        }
        return List.copyOf(types);
    }

    /** From the class file's MethodParameters or its debug information (local variable table). */
    @Override
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>(method.parametersCount());
        for (int i = 0; i < method.parametersCount(); i++) {
            names.add(method.parameterName(i));
        }
        return Collections.unmodifiableList(names); // may hold null: List.copyOf would refuse it
    }

    @Override
    public String returnType() {
        return method.returnType().name().toString();
    }

    @Override
    public Set<String> returnTypeHierarchy() {
        Set<String> hierarchy = new LinkedHashSet<>();
        Type type = method.returnType();
        switch (type.kind()) {
            case VOID, PRIMITIVE -> {
            }
            case ARRAY -> {
                hierarchy.add(type.name().toString());
                hierarchy.addAll(List.of(Cloneable.class.getName(), java.io.Serializable.class.getName(), Object.class.getName()));
            }
            default -> addWithSupertypes(type.name(), hierarchy);
        }
        return hierarchy;
    }

    private void addWithSupertypes(DotName type, Set<String> hierarchy) {
        if (type == null || !hierarchy.add(type.toString())) {
            return;
        }
        ClassInfo info = index.getClassByName(type);
        if (info == null) {
            return;
        }
        for (DotName implemented : info.interfaceNames()) {
            addWithSupertypes(implemented, hierarchy);
        }
        if (!info.isInterface()) {
            addWithSupertypes(info.superName(), hierarchy);
        }
    }
}
