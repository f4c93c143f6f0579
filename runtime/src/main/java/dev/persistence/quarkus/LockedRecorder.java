package dev.persistence.quarkus;

import java.util.List;

import dev.persistence.cdi.LockedParameterNames;
import io.quarkus.runtime.annotations.Recorder;

/** Hands build-time facts about {@code @Locked} methods to the running application. */
@Recorder
public class LockedRecorder {

    /** Parameter names read from the class files at build time: no {@code -parameters} needed. */
    public void parameterNames(String declaringClass, String method, List<String> parameterTypes, List<String> names) {
        LockedParameterNames.record(declaringClass, method, parameterTypes, names);
    }
}
